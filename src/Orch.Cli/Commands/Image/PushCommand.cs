using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch push NAME[:TAG]: uploads what the registry lacks; ends with "TAG: digest: sha256:… size: N".</summary>
internal sealed class PushCommand : ICommand
{
    public string Name => "image push";
    public string Summary => "Upload an image to a registry";
    public string Usage => "[OPTIONS] NAME[:TAG]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var quiet = flags.Bool("q", "quiet", "Suppress verbose output");
        flags.Parse(args, exactly: 1);
        var reference = flags.Positionals[0];
        if (!quiet.On() && !PullCommand.HasTagOrDigest(reference))
        {
            ctx.Out.WriteLine("Using default tag: latest");
        }
        using var call = ctx.Engine.PushImage(new TransferRequest { Reference = reference }, cancellationToken: ct);
        _ = await TransferOutput.PrintAsync(ctx, call.ResponseStream, quiet.On(), ct);
        if (quiet.On())
        {
            ctx.Out.WriteLine(PullCommand.FullName(reference));
        }
        return 0;
    }
}
