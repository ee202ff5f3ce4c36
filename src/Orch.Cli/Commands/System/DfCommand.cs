using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Commands.Image;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.System;

/// <summary>
/// orch system df [-v]: Docker's summary table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE) and, with -v, its
/// per-object tables. Sizes use go-units HumanSize (four significant digits) as docker's df does.
/// </summary>
internal sealed class DfCommand : ICommand
{
    public string Name => "system df";
    public string Summary => "Show orch disk usage";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var verbose = flags.Bool("v", "verbose", "Show detailed information on space usage");
        flags.Parse(args, atMost: 0);
        var r = await ctx.Engine.SystemDfAsync(new SystemDfRequest { Verbose = verbose.On() }, cancellationToken: ct);
        if (verbose.On())
        {
            DfVerbose.Write(ctx.Out, r);
            return 0;
        }
        var table = new Table("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
        Row(table, "Images", r.Images, percent: true);
        Row(table, "Containers", r.Containers, percent: true);
        Row(table, "Local Volumes", r.Volumes, percent: true);
        Row(table, "Build Cache", r.BuildCache, percent: false);
        table.WriteTo(ctx.Out);
        return 0;
    }

    private static void Row(Table table, string type, DiskUsageSummary? s, bool percent)
    {
        s ??= new DiskUsageSummary();
        var reclaimable = Size(s.Reclaimable);
        if (percent && s.Size > 0)
        {
            reclaimable += $" ({s.Reclaimable * 100 / s.Size}%)";
        }
        table.Add(type, s.Total.ToString(Inv), s.Active.ToString(Inv), Size(s.Size), reclaimable);
    }

    internal static readonly IFormatProvider Inv = global::System.Globalization.CultureInfo.InvariantCulture;

    internal static string Size(long bytes) => Volume.PruneCommand.HumanSize(bytes);
}
