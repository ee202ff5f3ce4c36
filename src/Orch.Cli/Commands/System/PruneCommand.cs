using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.System;

/// <summary>
/// orch system prune [-a] [--volumes] [-f]: Docker's warning listing what goes, the [y/N] prompt (nothing
/// happens, and nothing is printed, unless the answer is y), then each "Deleted …:" section and the total.
/// orch has no user-defined networks, so the networks line of the warning removes nothing.
/// </summary>
internal sealed class PruneCommand : ICommand
{
    public string Name => "system prune";
    public string Summary => "Remove unused data";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var all = flags.Bool("a", "all", "Remove all unused images not just dangling ones");
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        var volumes = flags.Bool(null, "volumes", "Prune volumes");
        flags.Parse(args, atMost: 0);
        if (!force.On() && !await Prompt.ConfirmAsync(ctx, Warning(all.On(), volumes.On()), ct))
        {
            return 0;
        }
        var r = await ctx.Engine.SystemPruneAsync(new SystemPruneRequest { All = all.On(), Volumes = volumes.On() }, cancellationToken: ct);
        Section(ctx.Out, "Deleted Containers:", r.ContainersDeleted);
        Section(ctx.Out, "Deleted Volumes:", r.VolumesDeleted);
        Section(ctx.Out, "Deleted Images:", r.ImagesDeleted);
        Section(ctx.Out, "Deleted build cache objects:", r.BuildCacheDeleted);
        ctx.Out.WriteLine("Total reclaimed space: " + Volume.PruneCommand.HumanSize(r.SpaceReclaimed));
        return 0;
    }

    /// <summary>docker/cli's confirmation template for `system prune`, item for item (after "WARNING! ", before the question).</summary>
    internal static string Warning(bool all, bool volumes)
    {
        var items = new List<string> { "all stopped containers", "all networks not used by at least one container" };
        if (volumes)
        {
            items.Add("all volumes not used by at least one container");
        }
        items.Add(all ? "all images without at least one container associated to them" : "all dangling images");
        items.Add(all ? "all build cache" : "all dangling build cache");
        return "This will remove:\n" + string.Concat(items.Select(i => "  - " + i + "\n"));
    }

    private static void Section(TextWriter w, string title, IReadOnlyCollection<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }
        w.WriteLine(title);
        foreach (var line in lines)
        {
            w.WriteLine(line);
        }
        w.WriteLine();
    }
}
