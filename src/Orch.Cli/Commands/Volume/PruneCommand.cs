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
    private const string Warning = "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ";

    public string Name => "volume prune";
    public string Summary => "Remove all unused local volumes";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var force = flags.Bool("f", "force", "Do not prompt for confirmation");
        flags.Parse(args);
        if (flags.Positionals.Count > 0)
        {
            throw new UsageException($"\"orch {Name}\" accepts no arguments.", Name);
        }
        long reclaimed = 0;
        if (!force.On())
        {
            ctx.Out.Write(Warning);
            ctx.Out.Flush();
            var answer = Console.In.ReadLine()?.Trim();
            if (answer is not ("y" or "Y"))
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
