using System.Formats.Tar;
using Google.Protobuf;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>
/// orch build [OPTIONS] PATH: sends the Dockerfile and the context (a tar, .dockerignore applied here so
/// ignored files are never sent) and prints the build as Docker's classic builder does. -q prints only the
/// image ID. A failed RUN exits with that command's code, as the classic `docker build` does (its CLI turns
/// the error's code into its exit status); any other build error exits 1.
/// </summary>
internal sealed class BuildCommand : ICommand
{
    private const int ChunkSize = 1 << 20;

    public string Name => "image build";
    public string Summary => "Build an image from a Dockerfile";
    public string Usage => "[OPTIONS] PATH";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var tags = flags.String("t", "tag", "Name and optionally a tag in the 'name:tag' format", "list");
        var file = flags.String("f", "file", "Name of the Dockerfile (Default is 'PATH/Dockerfile')");
        var buildArgs = flags.String(null, "build-arg", "Set build-time variables", "list");
        var noCache = flags.Bool(null, "no-cache", "Do not use cache when building the image");
        var target = flags.String(null, "target", "Set the target build stage to build.");
        var pull = flags.Bool(null, "pull", "Always attempt to pull a newer version of the image");
        var quiet = flags.Bool("q", "quiet", "Suppress the build output and print image ID on success");
        var labels = flags.String(null, "label", "Set metadata for an image", "list");
        flags.Parse(args, exactly: 1);
        var context = Path.GetFullPath(flags.Positionals[0]);
        if (!Directory.Exists(context))
        {
            throw new CliException($"unable to prepare context: path \"{flags.Positionals[0]}\" not found");
        }
        var dockerfilePath = file.Value() is { } f ? (Path.IsPathRooted(f) || f == "-" ? f : Path.GetFullPath(f)) : Path.Combine(context, "Dockerfile");
        string dockerfile;
        try
        {
            dockerfile = dockerfilePath == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(dockerfilePath, ct);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat {dockerfilePath}: no such file or directory");
        }
        var options = new BuildOptions
        {
            Dockerfile = dockerfile,
            DockerfileName = file.Value() is { } name && name != "-" ? Path.GetFileName(name) : "Dockerfile",
            NoCache = noCache.On(),
            Target = target.ValueOr(""),
            Pull = pull.On(),
            Quiet = quiet.On(),
        };
        options.Tags.AddRange(tags.Values);
        foreach (var kv in buildArgs.Values)
        {
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            // Docker: --build-arg NAME without a value takes NAME from the environment.
            options.BuildArgs[eq < 0 ? kv : kv[..eq]] = eq < 0 ? Environment.GetEnvironmentVariable(kv) ?? "" : kv[(eq + 1)..];
        }
        foreach (var kv in labels.Values)
        {
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            options.Labels[eq < 0 ? kv : kv[..eq]] = eq < 0 ? "" : kv[(eq + 1)..];
        }

        using var call = ctx.Engine.Build(cancellationToken: ct);
        var send = SendAsync(call.RequestStream, options, context, ct);
        var id = "";
        try
        {
            while (await call.ResponseStream.MoveNext(ct))
            {
                var m = call.ResponseStream.Current;
                if (m.MsgCase == BuildMessage.MsgOneofCase.ImageId)
                {
                    id = m.ImageId;
                }
                else if (!quiet.On())
                {
                    ctx.Out.Write(m.Stream);
                    ctx.Out.Flush();
                }
            }
            await send;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Aborted)
        {
            var code = int.TryParse(e.Trailers.GetValue("exit-code"), out var c) && c > 0 ? c : 1;
            throw new CliException(e.Status.Detail, code);
        }
        if (quiet.On())
        {
            ctx.Out.WriteLine(id);
        }
        return 0;
    }

    /// <summary>Options first, then the context as a tar stream in chunks.</summary>
    private static async Task SendAsync(IClientStreamWriter<BuildRequest> requests, BuildOptions options, string context, CancellationToken ct)
    {
        await requests.WriteAsync(new BuildRequest { Options = options }, ct);
        await using (var chunks = new ChunkWriter(requests, ct))
        {
            await ContextTar.WriteAsync(context, chunks, ct);
        }
        await requests.CompleteAsync();
    }

    /// <summary>Turns the tar writer's bytes into BuildRequest context messages.</summary>
    private sealed class ChunkWriter(IClientStreamWriter<BuildRequest> requests, CancellationToken ct) : Stream
    {
        private readonly MemoryStream buffer = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] b, int o, int c) => throw new NotSupportedException();
        public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
        public override void SetLength(long v) => throw new NotSupportedException();
        public override void Write(byte[] b, int o, int c) => WriteAsync(b.AsMemory(o, c)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        {
            buffer.Write(data.Span);
            if (buffer.Length >= ChunkSize)
            {
                await FlushChunkAsync();
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await FlushChunkAsync();
            await base.DisposeAsync();
        }

        private async Task FlushChunkAsync()
        {
            if (buffer.Length == 0)
            {
                return;
            }
            await requests.WriteAsync(new BuildRequest { Context = ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length) }, ct);
            buffer.SetLength(0);
        }
    }
}
