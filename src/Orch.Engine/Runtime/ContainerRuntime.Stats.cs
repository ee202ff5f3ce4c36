using System.Globalization;

namespace Orch.Engine.Runtime;

/// <summary>One `orch stats --no-stream` line.</summary>
public sealed record ContainerStats(string Id, string Name, ulong CpuUsageNanos, double CpuPercent, ulong MemoryUsage,
    ulong MemoryLimit, ulong Pids, ulong NetRx, ulong NetTx);

internal sealed partial class ContainerRuntime
{
    public string Inspect(ContainerRecord c) => ContainerInspector.Inspect(c, snapshots.RootfsPath(c.Id), snapshots.UpperPath(c.Id));

    /// <summary>Two cgroup samples 200 ms apart give the CPU share (100% = one CPU, as Docker).</summary>
    public async Task<ContainerStats> StatsAsync(string reference, CancellationToken ct)
    {
        var c = Get(reference);
        var cgroup = c.State.Running ? c.Live.Cgroup ?? cgroups?.Open(c.Id) : null;
        if (cgroup is null)
        {
            return new ContainerStats(c.Id, c.Name, 0, 0, 0, 0, 0, 0, 0);
        }
        var first = cgroup.Stats();
        var t0 = time.GetTimestamp();
        await Task.Delay(200, ct);
        var second = cgroup.Stats();
        var elapsed = time.GetElapsedTime(t0);
        var cpu = (second.CpuUsageNanos - first.CpuUsageNanos) / (elapsed.TotalMilliseconds * 1e6) * 100;
        var (rx, tx) = NetCounters(c.State.Pid);
        return new ContainerStats(c.Id, c.Name, second.CpuUsageNanos, cpu, second.MemoryUsage, second.MemoryLimit, second.Pids, rx, tx);
    }

    /// <summary>Bytes received and sent by the container's interfaces, except lo (/proc/PID/net/dev is per netns).</summary>
    private static (ulong Rx, ulong Tx) NetCounters(int pid)
    {
        ulong rx = 0, tx = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/net/dev").Skip(2))
            {
                var parts = line.Split(':', 2);
                if (parts.Length != 2 || parts[0].Trim() == "lo")
                {
                    continue;
                }
                var f = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                rx += ulong.Parse(f[0], CultureInfo.InvariantCulture);
                tx += ulong.Parse(f[8], CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return (rx, tx);
    }
}
