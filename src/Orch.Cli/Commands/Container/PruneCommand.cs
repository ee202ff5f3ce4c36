using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch container prune [-f]: removes every stopped container.</summary>
internal sealed class PruneCommand : ICommand
{
    public string Name => "container prune";
    public string Summary => "Remove all stopped containers";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        flags.Parse(args, atMost: 0);
        if (!force.On() && !await Prompt.ConfirmAsync(ctx, "This will remove all stopped containers.", ct))
        {
            return 0;
        }
        var r = await ctx.Engine.PruneContainersAsync(new Empty(), cancellationToken: ct);
        if (r.Deleted.Count > 0)
        {
            ctx.Out.WriteLine("Deleted Containers:");
            foreach (var id in r.Deleted)
            {
                ctx.Out.WriteLine(id);
            }
            ctx.Out.WriteLine();
        }
        ctx.Out.WriteLine("Total reclaimed space: 0B");
        return 0;
    }
}
