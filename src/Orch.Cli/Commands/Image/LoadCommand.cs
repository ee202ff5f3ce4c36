using Google.Protobuf;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch load [-i FILE]: streams an OCI layout or docker save archive to the daemon.</summary>
internal sealed class LoadCommand : ICommand
{
    public string Name => "image load";
    public string Summary => "Load an image from a tar archive or STDIN";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var input = flags.String("i", "input", "Read from tar archive file, instead of STDIN");
        var quiet = flags.Bool("q", "quiet", "Suppress the load output");
        flags.Parse(args, atMost: 0);
        Stream source;
        try
        {
            source = input.Value() is { } path ? File.OpenRead(path) : Console.OpenStandardInput();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"open {input.Value()}: no such file or directory");
        }
        await using (source)
        {
            using var call = ctx.Engine.LoadImages(cancellationToken: ct);
            try
            {
                var buffer = new byte[1 << 20];
                int n;
                while ((n = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct)) > 0)
                {
                    await call.RequestStream.WriteAsync(new DataChunk { Data = ByteString.CopyFrom(buffer, 0, n) }, ct);
                }
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                // The daemon stopped reading; its reason is in the response status.
            }
            var r = await call.ResponseAsync;
            if (!quiet.On())
            {
                foreach (var line in r.Loaded)
                {
                    ctx.Out.WriteLine(line);
                }
            }
        }
        return 0;
    }
}
