using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch pull NAME[:TAG|@DIGEST]: Docker's line output (one line per layer event), -q prints only the name.</summary>
internal sealed class PullCommand : ICommand
{
    public string Name => "image pull";
    public string Summary => "Download an image from a registry";
    public string Usage => "[OPTIONS] NAME[:TAG|@DIGEST]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var quiet = flags.Bool("q", "quiet", "Suppress verbose output");
        flags.Parse(args, exactly: 1);
        var reference = flags.Positionals[0];
        if (!quiet.On() && !HasTagOrDigest(reference))
        {
            ctx.Out.WriteLine("Using default tag: latest");
        }
        using var call = ctx.Engine.PullImage(new TransferRequest { Reference = reference }, cancellationToken: ct);
        await TransferOutput.PrintAsync(ctx, call.ResponseStream, quiet.On(), ct);
        ctx.Out.WriteLine(FullName(reference));
        return 0;
    }

    internal static bool HasTagOrDigest(string reference) =>
        reference.Contains('@', StringComparison.Ordinal) || reference.LastIndexOf(':') > reference.LastIndexOf('/');

    /// <summary>"busybox" → "docker.io/library/busybox:latest", the line docker pull ends with.</summary>
    internal static string FullName(string reference)
    {
        var name = HasTagOrDigest(reference) ? reference : reference + ":latest";
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : name[..slash];
        var hasDomain = slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        return hasDomain ? name : slash < 0 ? "docker.io/library/" + name : "docker.io/" + name;
    }
}
