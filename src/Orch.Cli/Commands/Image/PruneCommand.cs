using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Image;

/// <summary>orch image prune [-a] [-f]: Docker's confirmation, "Deleted Images:" list and "Total reclaimed space".</summary>
internal sealed class PruneCommand : ICommand
{
    public string Name => "image prune";
    public string Summary => "Remove unused images";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var all = flags.Bool("a", "all", "Remove all unused images, not just dangling ones");
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        flags.Parse(args, atMost: 0);
        var warning = all.On() ? "This will remove all images without at least one container associated to them." : "This will remove all dangling images.";
        if (!force.On() && !await Prompt.ConfirmAsync(ctx, warning, ct))
        {
            return 0;
        }
        var r = await ctx.Engine.PruneImagesAsync(new PruneImagesRequest { All = all.On() }, cancellationToken: ct);
        if (r.Deleted.Count > 0)
        {
            ctx.Out.WriteLine("Deleted Images:");
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
