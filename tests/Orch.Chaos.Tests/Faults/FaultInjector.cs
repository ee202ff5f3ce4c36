using Grpc.Core;
using Orch.Api.V1;
using Orch.Chaos.Tests.Workload;
using Orch.Testing.Cluster;

namespace Orch.Chaos.Tests.Faults;

/// <summary>
/// Applies a <see cref="FaultSchedule"/> to a real cluster through deploy/cluster.sh (kill, stop, start, cut,
/// heal), logging each fault with its time. Whatever it broke is repaired before it returns, even when cancelled.
/// </summary>
internal sealed class FaultInjector(TestCluster cluster, NodeChannels nodes, IReadOnlyList<int> managers, IReadOnlyList<int> workers,
    HistoryRecorder clock, Action<string> log)
{
    private readonly HashSet<int> stopped = [];
    private readonly HashSet<int> cut = [];

    public int Injected { get; private set; }

    public async Task RunAsync(IReadOnlyList<FaultStep> steps, CancellationToken ct)
    {
        try
        {
            foreach (var step in steps)
            {
                if (ct.IsCancellationRequested)
                {
                    break;
                }
                await InjectAsync(step);
                await Delay(step.Hold, ct);
                await RepairAsync();
                await Delay(step.Gap, ct);
            }
        }
        finally
        {
            await RepairAsync();
        }
    }

    /// <summary>Starts every node that is down and heals every cut link.</summary>
    public async Task RepairAsync()
    {
        foreach (var k in cut.ToList())
        {
            await cluster.HealAsync(k);
            cut.Remove(k);
            Log($"healed n{k}");
        }
        foreach (var k in stopped.ToList())
        {
            await cluster.StartAsync(k);
            stopped.Remove(k);
            Log($"started n{k}");
        }
    }

    private async Task InjectAsync(FaultStep step)
    {
        switch (step.Kind)
        {
            case FaultKind.KillLeader:
                var leader = await LeaderAsync();
                if (leader is not { } l)
                {
                    Log($"{step}: no leader known, skipped");
                    return;
                }
                await cluster.KillAsync(l);
                stopped.Add(l);
                Log($"{step}: kill -9 leader n{l}");
                break;
            case FaultKind.KillWorker:
                var w = workers[step.Choice % workers.Count];
                await cluster.KillAsync(w);
                stopped.Add(w);
                Log($"{step}: kill -9 worker n{w}");
                break;
            case FaultKind.CutManager:
                var target = step.Choice % 2 == 0 ? await LeaderAsync() ?? managers[0] : managers[step.Choice % managers.Count];
                await cluster.CutAsync(target);
                cut.Add(target);
                Log($"{step}: cut link of manager n{target}");
                break;
            case FaultKind.RestartNode:
                var all = managers.Concat(workers).ToList();
                var k = all[step.Choice % all.Count];
                await cluster.StopAsync(k);
                stopped.Add(k);
                Log($"{step}: stopped n{k} (SIGTERM)");
                break;
        }
        Injected++;
    }

    /// <summary>The leader's node number as a reachable manager reports it, or null during an election.</summary>
    public async Task<int?> LeaderAsync()
    {
        foreach (var m in managers.Where(m => !stopped.Contains(m) && !cut.Contains(m)))
        {
            try
            {
                var r = await nodes.Control(m).ListNodesAsync(new ListNodesRequest(), deadline: DateTime.UtcNow.AddSeconds(6));
                var leader = r.Nodes.FirstOrDefault(n => r.LeaderRaftAddr.Length > 0 && n.ManagerStatus?.RaftAddr == r.LeaderRaftAddr);
                if (leader?.Description?.Hostname is ['n', .. var digits] && int.TryParse(digits, out var k))
                {
                    return k;
                }
            }
            catch (RpcException)
            {
            }
        }
        return null;
    }

    private void Log(string what) => log($"[{clock.Now.TotalSeconds,7:0.000}s] fault: {what}");

    private static async Task Delay(TimeSpan t, CancellationToken ct)
    {
        try
        {
            await Task.Delay(t, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
