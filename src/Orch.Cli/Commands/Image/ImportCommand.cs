using Google.Protobuf;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>
/// orch import FILE|- [REPOSITORY[:TAG]]: streams a rootfs tarball (tar or tar.gz) to the daemon, which
/// stores it as a one-layer image; prints the image ID as docker import does.
/// </summary>
internal sealed class ImportCommand : ICommand
{
    private const int ChunkSize = 1 << 20;

    public string Name => "image import";
    public string Summary => "Import the contents from a tarball to create a filesystem image";
    public string Usage => "[OPTIONS] file|- [REPOSITORY[:TAG]]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var change = flags.String("c", "change", "Apply Dockerfile instruction to the created image", "list");
        var message = flags.String("m", "message", "Set commit message for imported image");
        flags.Parse(args, atLeast: 1, atMost: 2);
        var source = flags.Positionals[0];
        if (source.Contains("://", StringComparison.Ordinal))
        {
            throw new CliException("importing from a URL is not supported; download the file first", 1);
        }
        Stream input;
        try
        {
            input = source == "-" ? Console.OpenStandardInput() : File.OpenRead(source);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"open {source}: no such file or directory");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException($"open {source}: permission denied");
        }
        await using (input)
        {
            var first = new ImportImageRequest { Reference = flags.Positionals.Count > 1 ? flags.Positionals[1] : "", Message = message.ValueOr("") };
            first.Changes.AddRange(change.Values);
            using var call = ctx.Engine.ImportImage(cancellationToken: ct);
            try
            {
                var buffer = new byte[ChunkSize];
                var request = first;
                int n;
                do
                {
                    n = await input.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
                    request.Chunk = ByteString.CopyFrom(buffer, 0, n);
                    await call.RequestStream.WriteAsync(request, ct);
                    request = new ImportImageRequest();
                }
                while (n == buffer.Length);
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                // The daemon refused the upload midway (bad entry, bad name): its reason is in the response status.
            }
            var response = await call.ResponseAsync;
            ctx.Out.WriteLine(response.ImageId);
        }
        return 0;
    }
}
