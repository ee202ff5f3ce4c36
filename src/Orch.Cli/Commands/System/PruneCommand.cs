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

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var all = flags.Bool("a", "all", "Remove all unused images not just dangling ones");
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        var volumes = flags.Bool(null, "volumes", "Prune volumes");
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (help.On())
        {
            ctx.Out.WriteLine("Usage:  orch system prune [OPTIONS]\n\n" + Summary + "\n\nOptions:\n" + flags.Help());
            return 0;
        }
        if (flags.Positionals.Count > 0)
        {
            throw new UsageException($"\"orch {Name}\" accepts no arguments.", Name);
        }
        if (!force.On())
        {
            ctx.Out.Write(Warning(all.On(), volumes.On()) + " [y/N] ");
            ctx.Out.Flush();
            var answer = (await Console.In.ReadLineAsync(ct))?.Trim();
            if (answer is not ("y" or "Y"))
            {
                return 0;
            }
        }
        var r = await ctx.Engine.SystemPruneAsync(new SystemPruneRequest { All = all.On(), Volumes = volumes.On() }, cancellationToken: ct);
        Section(ctx.Out, "Deleted Containers:", r.ContainersDeleted);
        Section(ctx.Out, "Deleted Volumes:", r.VolumesDeleted);
        Section(ctx.Out, "Deleted Images:", r.ImagesDeleted);
        Section(ctx.Out, "Deleted build cache objects:", r.BuildCacheDeleted);
        ctx.Out.WriteLine("Total reclaimed space: " + Volume.PruneCommand.HumanSize(r.SpaceReclaimed));
        return 0;
    }

    /// <summary>docker/cli's confirmation template for `system prune`, item for item.</summary>
    internal static string Warning(bool all, bool volumes)
    {
        var items = new List<string> { "all stopped containers", "all networks not used by at least one container" };
        if (volumes)
        {
            items.Add("all volumes not used by at least one container");
        }
        items.Add(all ? "all images without at least one container associated to them" : "all dangling images");
        items.Add(all ? "all build cache" : "all dangling build cache");
        return "WARNING! This will remove:\n" + string.Concat(items.Select(i => "  - " + i + "\n")) + "\nAre you sure you want to continue?";
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
