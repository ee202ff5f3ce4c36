using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Builder;

/// <summary>orch builder prune [-f]: Docker's confirmation, then "Total reclaimed space".</summary>
internal sealed class PruneCommand : ICommand
{
    public string Name => "builder prune";
    public string Summary => "Remove build cache";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        _ = flags.Bool("a", "all", "Remove all unused build cache, not just dangling ones");
        flags.Parse(args, atMost: 0);
        if (!force.On() && !await Prompt.ConfirmAsync(ctx, "This will remove all dangling build cache.", ct))
        {
            return 0;
        }
        var r = await ctx.Engine.PruneBuildCacheAsync(new Empty(), cancellationToken: ct);
        if (r.Deleted.Count > 0)
        {
            ctx.Out.WriteLine("Deleted build cache objects:");
            foreach (var line in r.Deleted)
            {
                ctx.Out.WriteLine(line);
            }
            ctx.Out.WriteLine();
        }
        ctx.Out.WriteLine("Total reclaimed space: " + HumanUnits.Size(r.SpaceReclaimed));
        return 0;
    }
}
