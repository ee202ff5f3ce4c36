using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Builder;

/// <summary>orch builder prune [-f]: Docker's confirmation, then "Total reclaimed space".</summary>
internal sealed class PruneCommand : ICommand
{
    public string Name => "builder prune";
    public string Summary => "Remove build cache";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        _ = flags.Bool("a", "all", "Remove all unused build cache, not just dangling ones");
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (help.On())
        {
            ctx.Out.WriteLine("Usage:  orch builder prune\n\n" + Summary + "\n\nOptions:\n" + flags.Help());
            return 0;
        }
        if (flags.Positionals.Count > 0)
        {
            throw new UsageException("\"builder prune\" accepts no arguments.", Name);
        }
        if (!force.On())
        {
            ctx.Out.Write("WARNING! This will remove all dangling build cache.\nAre you sure you want to continue? [y/N] ");
            ctx.Out.Flush();
            var answer = (await Console.In.ReadLineAsync(ct))?.Trim();
            if (answer is not ("y" or "Y" or "yes"))
            {
                return 0;
            }
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
