using System.Globalization;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Volume;

/// <summary>
/// orch volume prune [-f]: removes every volume no container uses (Docker 20.10's behaviour), after a
/// confirmation unless -f. Output as docker: the deleted names, a blank line, the space reclaimed.
/// </summary>
internal sealed class PruneCommand : ICommand
{
    public string Name => "volume prune";
    public string Summary => "Remove all unused local volumes";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        flags.Parse(args, atMost: 0);
        long reclaimed = 0;
        if (!force.On())
        {
            if (!await Prompt.ConfirmAsync(ctx, "This will remove all local volumes not used by at least one container.", ct))
            {
                ctx.Out.WriteLine("Total reclaimed space: " + HumanSize(0));
                return 0;
            }
        }
        var r = await ctx.Engine.PruneVolumesAsync(new Empty(), cancellationToken: ct);
        if (r.Deleted.Count > 0)
        {
            ctx.Out.WriteLine("Deleted Volumes:");
            foreach (var name in r.Deleted)
            {
                ctx.Out.WriteLine(name);
            }
            ctx.Out.WriteLine();
            reclaimed = r.SpaceReclaimed;
        }
        ctx.Out.WriteLine("Total reclaimed space: " + HumanSize(reclaimed));
        return 0;
    }

    /// <summary>docker/go-units HumanSize: decimal units, 4 significant digits ("0B", "1.024kB", "104.9MB").</summary>
    internal static string HumanSize(double size)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
        var i = 0;
        while (size >= 1000 && i < units.Length - 1)
        {
            size /= 1000;
            i++;
        }
        return size.ToString("G4", CultureInfo.InvariantCulture) + units[i];
    }
}
