using System.Text.Json;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Chaos.Tests.Checking;
using Orch.Chaos.Tests.Faults;
using Orch.Chaos.Tests.Workload;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Chaos.Tests;

/// <summary>
/// One chaos run on a cluster that is up: the clients and the fault schedule run side by side for the
/// duration; then everything is repaired, the cluster gets a bounded time to settle, and the checker judges the
/// history against the state read from every manager and every engine. Writes history, faults, final state and
/// verdict under <see cref="ChaosSettings.OutDir"/>.
/// </summary>
internal sealed class ChaosRun(TestCluster cluster, ChaosSettings settings, Action<string> log)
{
    /// <summary>How long services get to converge after the last fault was repaired.</summary>
    public static readonly TimeSpan SettleBound = TimeSpan.FromSeconds(120);

    private static readonly int[] Managers = [1, 2, 3];
    private static readonly int[] Workers = [4, 5];

    public sealed record Result(IReadOnlyList<OpRecord> History, int Faults, IReadOnlyList<Violation> Violations, string Summary);

    public async Task<Result> RunAsync()
    {
        Directory.CreateDirectory(settings.OutDir);
        var faultLog = new List<string>();
        var runLog = Path.Combine(settings.OutDir, "run.log");
        File.Delete(runLog);
        void Log(string line)
        {
            lock (faultLog)
            {
                faultLog.Add(line);
                File.AppendAllText(runLog, line + "\n"); // to follow a run while it goes (xunit shows output at the end)
            }
            log(line);
        }

        using var nodes = new NodeChannels(cluster);
        var ids = await NodeIdsAsync(nodes);
        var model = new WorkloadModel(Managers, ids);
        var history = new HistoryRecorder();
        var schedule = FaultSchedule.For(settings.Seed, settings.Duration, settings.Faults);
        var injector = new FaultInjector(cluster, nodes, Managers, Workers, history, Log);
        Log($"seed {settings.Seed}: {settings.Clients} clients for {settings.Duration.TotalSeconds:0}s; faults: {string.Join(", ", schedule)}");

        using (var stop = new CancellationTokenSource(settings.Duration))
        {
            var clients = Enumerable.Range(1, settings.Clients)
                .Select(c => new ChaosClient(c, new Random(settings.Seed * 31 + c), model, nodes, history).RunAsync(stop.Token))
                .ToList();
            await injector.RunAsync(schedule, stop.Token);
            await Task.WhenAll(clients);
        }
        await injector.RepairAsync();
        Log($"[{history.Now.TotalSeconds,7:0.000}s] workload stopped, every node started and every link healed; settling");

        var ops = history.Snapshot();
        var reader = new StateReader(nodes, Managers, [.. Managers, .. Workers]);
        var (final, violations) = await SettleAsync(reader, ops);
        Log($"[{history.Now.TotalSeconds,7:0.000}s] settled: {violations.Count} violation(s)");

        var summary = $"chaos: seed {settings.Seed}: {ops.Count} operations, {ops.Count(o => o.Outcome == Outcome.Acknowledged)} acknowledged " +
            $"({ops.Count(o => o.Outcome == Outcome.Failed)} failed, {ops.Count(o => o.Outcome == Outcome.Unknown)} unknown), " +
            $"{injector.Injected} faults injected, {violations.Count} violations";
        await WriteAsync(ops, faultLog, final, reader.Missing, violations, summary);
        return new Result(ops, injector.Injected, violations, summary);
    }

    // Polls until no violation is left (or only lasting ones remain, which waiting cannot fix) or the bound passes.
    private static async Task<(FinalState, IReadOnlyList<Violation>)> SettleAsync(StateReader reader, IReadOnlyList<OpRecord> ops)
    {
        var deadline = DateTime.UtcNow + SettleBound;
        while (true)
        {
            var final = await reader.ReadAsync();
            var violations = HistoryChecker.Check(ops, final).ToList();
            if (reader.Missing.Count > 0)
            {
                violations.AddRange(reader.Missing.Select(m => new Violation(Rule.NotConverged, "read", m + " did not answer")));
            }
            if (violations.All(v => !v.IsConvergence) || DateTime.UtcNow >= deadline)
            {
                return (final, violations);
            }
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
    }

    private async Task<Dictionary<string, string>> NodeIdsAsync(NodeChannels nodes)
    {
        var r = await Eventually.MatchAsync(async () =>
            {
                try
                {
                    return await nodes.Control(1).ListNodesAsync(new ListNodesRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
                }
                catch (RpcException)
                {
                    return new ListNodesResponse();
                }
            },
            r => r.Nodes.Count == cluster.Size, $"node ls through n1 lists {cluster.Size} nodes", TimeSpan.FromSeconds(60));
        return r.Nodes.ToDictionary(n => n.Description.Hostname, n => n.Id, StringComparer.Ordinal);
    }

    private async Task WriteAsync(IReadOnlyList<OpRecord> ops, List<string> faults, FinalState final, List<string> missing,
        IReadOnlyList<Violation> violations, string summary)
    {
        var json = new JsonSerializerOptions { WriteIndented = true };
        await File.WriteAllLinesAsync(Path.Combine(settings.OutDir, "history.txt"), ops.Select(o => o.ToString()));
        await File.WriteAllLinesAsync(Path.Combine(settings.OutDir, "faults.txt"), faults);
        await File.WriteAllTextAsync(Path.Combine(settings.OutDir, "final.json"), JsonSerializer.Serialize(new { final, missing }, json));
        await File.WriteAllLinesAsync(Path.Combine(settings.OutDir, "violations.txt"), violations.Select(v => v.ToString()));
        await File.WriteAllTextAsync(Path.Combine(settings.OutDir, "summary.txt"), summary + "\n");
    }
}
