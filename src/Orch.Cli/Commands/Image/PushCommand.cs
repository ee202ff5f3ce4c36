using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch push NAME[:TAG]: uploads what the registry lacks; ends with "TAG: digest: sha256:… size: N".</summary>
internal sealed class PushCommand : ICommand
{
    public string Name => "image push";
    public string Summary => "Upload an image to a registry";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var quiet = flags.Bool("q", "quiet", "Suppress verbose output");
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (help.On())
        {
            ctx.Out.WriteLine("Usage:  orch push [OPTIONS] NAME[:TAG]\n\n" + Summary + "\n\nOptions:\n" + flags.Help());
            return 0;
        }
        if (flags.Positionals.Count != 1)
        {
            throw new UsageException("\"push\" requires exactly 1 argument.", Name);
        }
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
