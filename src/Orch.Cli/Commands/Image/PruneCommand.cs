using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Image;

/// <summary>orch image prune [-a] [-f]: Docker's confirmation, "Deleted Images:" list and "Total reclaimed space".</summary>
internal sealed class PruneCommand : ICommand
{
    public string Name => "image prune";
    public string Summary => "Remove unused images";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var all = flags.Bool("a", "all", "Remove all unused images, not just dangling ones");
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (help.On())
        {
            ctx.Out.WriteLine("Usage:  orch image prune [OPTIONS]\n\n" + Summary + "\n\nOptions:\n" + flags.Help());
            return 0;
        }
        if (!force.On())
        {
            ctx.Out.Write(all.On()
                ? "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] "
                : "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
            ctx.Out.Flush();
            var answer = (await Console.In.ReadLineAsync(ct))?.Trim();
            if (answer is not ("y" or "Y" or "yes"))
            {
                return 0;
            }
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
