using System.Globalization;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch stats --no-stream [CONTAINER...]: one sample, Docker's columns.</summary>
internal sealed class StatsCommand : ICommand
{
    public string Name => "container stats";
    public string Summary => "Display a snapshot of containers' resource usage";
    public string Usage => "[OPTIONS] [CONTAINER...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Bool(null, "no-stream", "Disable streaming stats and only pull the first result");
        var all = flags.Bool("a", "all", "Show all containers (default shows just running)");
        flags.Parse(args);
        var ids = flags.Positionals.ToList();
        if (ids.Count == 0)
        {
            var list = await ctx.Engine.ListContainersAsync(new ListContainersRequest { All = all.On() }, cancellationToken: ct);
            ids.AddRange(list.Containers.Select(c => c.Id));
        }
        var rows = new List<string[]> { new[] { "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "PIDS" } };
        var samples = await Task.WhenAll(ids.Select(id => ctx.Engine.ContainerStatsAsync(new ContainerRef { Id = id }, cancellationToken: ct).ResponseAsync));
        foreach (var s in samples)
        {
            var memPct = s.MemoryLimit > 0 ? 100.0 * s.MemoryUsage / s.MemoryLimit : 0;
            rows.Add([s.Id[..12], s.Name, Pct(s.CpuPercent), $"{Size(s.MemoryUsage, true)} / {Size(s.MemoryLimit, true)}", Pct(memPct),
                $"{Size(s.NetRx, false)} / {Size(s.NetTx, false)}", s.Pids.ToString(CultureInfo.InvariantCulture)]);
        }
        Table.Write(ctx.Out, rows);
        return 0;
    }

    private static string Pct(double v) => v.ToString("0.00", CultureInfo.InvariantCulture) + "%";

    /// <summary>go-units: BytesSize (binary, "MiB") for memory, HumanSize (decimal, "kB") for I/O.</summary>
    private static string Size(ulong bytes, bool binary)
    {
        var unit = binary ? 1024.0 : 1000.0;
        string[] names = binary ? ["B", "KiB", "MiB", "GiB", "TiB"] : ["B", "kB", "MB", "GB", "TB"];
        var v = (double)bytes;
        var i = 0;
        while (v >= unit && i < names.Length - 1)
        {
            v /= unit;
            i++;
        }
        return v.ToString(v < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + names[i];
    }
}
