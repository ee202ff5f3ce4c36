using System.Text.Json;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// The routing mesh (issue 6) on real nodes: every node's balancer spreads new connections to a
/// published port over the service's tasks on any node, and keeps every request working while
/// tasks are replaced, scaled, drained, fail their health check or lose their node. Load goes
/// only to the test cluster's node addresses and is bounded (HttpLoad: ≤ ~250 req/s).
/// </summary>
public sealed class LoadBalancerTests
{
    private const int Port = 8080;
    private const int MetricsPort = 9323;

    // Serves its own hostname; exits at once on SIGTERM (busybox httpd as PID 1 would ignore it).
    private static string[] Hostname(string extra = "") =>
        ["sh", "-c", $"mkdir -p /srv && hostname > /srv/index.html && touch /srv/ok {extra}&& trap 'exit 0' TERM; httpd -f -p {Port} -h /srv & wait"];

    [Fact]
    public async Task ThirtyConnections_ReachEachOfThreeTasksTenTimes_ThroughEveryNode()
    {
        // Every node serves its counters to Prometheus too (orchd --metrics-addr, in the node's own network namespace).
        await using var c = await TestCluster.UpAsync(3, managers: 3,
            orchdArgs: Enumerable.Range(1, 3).ToDictionary(k => k, _ => $"--metrics-addr 0.0.0.0:{MetricsPort}"));
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "web", "--replicas", "3", "-p", $"{Port}:{Port}", "busybox", .. Hostname()]);

        for (var k = 1; k <= 3; k++)
        {
            await BalancedAsync(c, k, "web", 3);
            var answers = new List<string>();
            for (var i = 0; i < 30; i++)
            {
                answers.Add(await Web.GetAsync(c.Address(k), Port));
            }
            var counts = answers.GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(counts.Count == 3 && counts.Values.All(n => n == 10), $"through n{k}: {string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}"))}");
            // The node's counters say the same (service inspect shows the balancer of the node asked), and the kernel
            // served all 30: its own task straight to the container, the other nodes' tasks DNATed to NODE:HOSTPORT.
            var backends = await BackendsAsync(c, k, "web");
            Assert.All(backends, b => Assert.Equal(10, b.GetProperty("Connections").GetInt32()));
            Assert.All(backends, b => Assert.Equal(10, b.GetProperty("KernelConnections").GetInt32()));
            // And so does its /metrics: one series per task of web, each 10.
            var metrics = await Web.GetAsync(c.Address(k), MetricsPort, path: "/metrics");
            var series = metrics.Split('\n').Where(l => l.StartsWith("orch_lb_backend_connections_total{service=\"web\",", StringComparison.Ordinal)).ToList();
            Assert.True(series.Count == 3 && series.All(l => l.EndsWith("} 10", StringComparison.Ordinal))
                && backends.All(b => series.Any(l => l.Contains($"task_id=\"{b.GetProperty("TaskID").GetString()}\"", StringComparison.Ordinal))),
                $"n{k}'s /metrics:\n{string.Join('\n', series)}");
        }
    }

    [Fact]
    public async Task UnderLoad_UpdateScaleAndDrain_NoRequestFails()
    {
        await using var c = await TestCluster.UpAsync(3);
        await Services.ImportBusyboxAsync(c);
        // app:v1 and app:v2 answer their version (built on n1 only: the other nodes get them from the manager).
        await Services.BuildAppAsync(c, 1, "v1");
        await Services.BuildAppAsync(c, 1, "v2");
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "web", "--replicas", "3", "-p", $"{Port}:{Port}",
            "--update-parallelism", "1", "app:v1"]);
        await Services.RunningAsync(c, 1, "web", 3);
        await ServesAsync(c, 3);

        await using (var load = new HttpLoad([c.Address(1), c.Address(2), c.Address(3)], Port))
        {
            await LongAsync(c, "service", "update", "--image", "app:v2", "web");
            Assert.True(await Web.AllServeAsync(c, "v2"), "after the update every node's published port answers v2");
            var afterUpdate = load.Results.Count;
            await LongAsync(c, "service", "scale", "web=5");
            await LongAsync(c, "service", "scale", "web=2");
            var running = await Services.RunningAsync(c, 1, "web", 2);
            var drained = running.Select(t => t.Node).First();
            await Swarm.MustAsync(c, 1, ["node", "update", "--availability", "drain", drained]);
            await Eventually.MatchAsync(() => Services.RunningAsync(c, 1, "web", 2), rows => rows.All(t => t.Node != drained),
                $"both tasks of web run off the drained {drained}", TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1));
            await Task.Delay(TimeSpan.FromSeconds(3)); // the drained node's old tasks have stopped by now; keep the load on a little longer
            await load.DisposeAsync();

            Assert.True(afterUpdate > 100 && load.Results.Count > afterUpdate + 100, $"load too small to mean anything: {load.Results.Count} requests");
            Assert.True(load.Failures.Count == 0,
                $"{load.Failures.Count} of {load.Results.Count} requests failed:\n{string.Join('\n', load.Failures.Take(10))}\n{c.Logs()}");
        }
        // Every task stopped (3 updated, 3 scaled away, those on the drained node) waited for every balancer's
        // confirmation, not for a fixed time, and none of them had to give up waiting.
        var logs = string.Join('\n', await Task.WhenAll(Enumerable.Range(1, 3).Select(k => File.ReadAllTextAsync(c.LogFile(k)))));
        var confirmed = logs.Split('\n').Count(l => l.Contains("load balancers drained (Drained)", StringComparison.Ordinal));
        Assert.True(confirmed >= 7, $"{confirmed} stops confirmed by every balancer, expected at least 7:\n{c.Logs()}");
        Assert.DoesNotContain("not every load balancer confirmed", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeKilled_NewConnectionsAllSucceed()
    {
        await using var c = await TestCluster.UpAsync(3);
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "web", "--replicas", "3", "--replicas-max-per-node", "1",
            "-p", $"{Port}:{Port}", "busybox", .. Hostname()]);
        await Services.RunningAsync(c, 1, "web", 3);
        await ServesAsync(c, 3);

        await using var load = new HttpLoad([c.Address(1), c.Address(2)], Port);
        await Task.Delay(TimeSpan.FromSeconds(2));
        // The machine of n3 dies: its orchd is killed and its link goes (its tasks' containers would otherwise keep answering).
        await c.KillAsync(3);
        await c.CutAsync(3);
        var killedAt = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(20)); // past the Down detection (3 heartbeats) and the rescheduling
        await load.DisposeAsync();

        var after = load.Results.Where(r => r.StartedAt > killedAt.AddSeconds(0.5)).ToList();
        Assert.True(after.Count > 100, $"load too small: {after.Count} requests after the kill");
        var failed = after.Where(r => r.Error is not null || string.IsNullOrEmpty(r.Answer)).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {after.Count} new connections after the kill failed:\n{string.Join('\n', failed.Take(10))}");
        // What saved them (the kernel path's conntrack keeps a connection's SYN retransmissions on the dead node): each
        // balancer saw n3 leave connections unanswered, took it out and let the waiting ones be balanced afresh.
        for (var k = 1; k <= 2; k++)
        {
            var log = await File.ReadAllTextAsync(c.LogFile(k));
            Assert.True(log.Contains($"node {c.Address(3)} left new connections unanswered", StringComparison.Ordinal), $"n{k}:\n{c.Logs()}");
        }
    }

    [Fact]
    public async Task TaskTurnsUnhealthy_GetsNoNewConnection()
    {
        await using var c = await TestCluster.UpAsync(3, managers: 3);
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "web", "--replicas", "3", "-p", $"{Port}:{Port}",
            "--health-cmd", "test -f /srv/ok", "--health-interval", "1s", "--health-retries", "1", "busybox", .. Hostname()]);
        await Services.RunningAsync(c, 1, "web", 3);
        await BalancedAsync(c, 1, "web", 3);

        // The task on n2 falls ill: its health check fails from now on.
        var name = (await Swarm.MustAsync(c, 2, ["ps"])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]).First(n => n.StartsWith("web.", StringComparison.Ordinal));
        var sick = (await Swarm.MustAsync(c, 2, ["exec", name, "hostname"])).Stdout.Trim();
        var sickTask = name.Split('.')[^1];
        await using var load = new HttpLoad([c.Address(1)], Port, workers: 2);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await Swarm.MustAsync(c, 2, ["exec", name, "rm", "/srv/ok"]);

        // The moment n1's balancer knows the task is unhealthy (or gone from the table).
        var seen = await Eventually.MatchAsync(() => BackendsAsync(c, 1, "web"),
            bs => !bs.Any(b => b.GetProperty("TaskID").GetString() == sickTask && b.GetProperty("Healthy").GetBoolean()),
            $"n1's balancer marks task {sickTask} unhealthy", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
        var unhealthyAt = DateTime.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(3));
        await load.DisposeAsync();

        Assert.Contains(load.Results, r => r.Answer == sick && r.StartedAt < unhealthyAt); // it did get traffic before
        var late = load.Results.Where(r => r.StartedAt > unhealthyAt && r.Answer == sick).ToList();
        Assert.True(late.Count == 0, $"{late.Count} new connections reached the unhealthy task after n1 marked it: {string.Join(", ", late.Select(r => r.StartedAt.ToString("O")))}");
        Assert.Empty(load.Failures);
    }

    [Fact]
    public async Task ProxyProtocolV2_BackendSeesTheClientAddress()
    {
        await using var c = await TestCluster.UpAsync(2);
        await Services.ImportBusyboxAsync(c);
        // The backend reads the 28-byte v2 header (IPv4) and answers the source address in it.
        const string script = "#!/bin/sh\nh=$(dd bs=28 count=1 2>/dev/null | od -An -tu1); set -- $h; shift 16; echo $1.$2.$3.$4\n";
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "pp", "--replicas", "1",
            "--publish", $"published={Port},target=9000,proxy-protocol=v2", "busybox",
            "sh", "-c", $"printf '{script}' > /pp.sh && chmod +x /pp.sh && trap 'exit 0' TERM; nc -ll -p 9000 -e /pp.sh & wait"]);
        await Services.RunningAsync(c, 1, "pp", 1);

        // No request bytes: the backend reads only the header, and unread bytes would make its close a reset.
        var answer = await Eventually.MatchAsync(async () =>
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await client.ConnectAsync(c.Address(2), Port, cts.Token);
                using var reader = new StreamReader(client.GetStream());
                return (await reader.ReadToEndAsync(cts.Token)).Trim();
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
            {
                return e.Message;
            }
        }, a => a.StartsWith("10.", StringComparison.Ordinal), "the proxy-protocol backend answers", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));

        // The test reaches the nodes from the host's end of the cluster bridge.
        Assert.Equal($"{c.Net}.254", answer);
    }

    /// <summary>A command through n1 that waits for the service to converge (minutes, not the default minute).</summary>
    private static async Task LongAsync(TestCluster c, params string[] args)
    {
        var r = await c.OrchAsync(1, TimeSpan.FromMinutes(4), args);
        Assert.True(r.ExitCode == 0, $"{r}\n{c.Logs()}");
    }

    /// <summary>Waits until node K's balancer (service inspect through K) has <paramref name="count"/> healthy, non-draining backends.</summary>
    internal static Task<List<JsonElement>> BalancedAsync(TestCluster c, int k, string service, int count) =>
        Eventually.MatchAsync(() => BackendsAsync(c, k, service),
            bs => bs.Count == count && bs.All(b => b.GetProperty("Healthy").GetBoolean() && !b.GetProperty("Draining").GetBoolean()),
            $"n{k}'s balancer has {count} healthy backends for {service}", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));

    internal static async Task<List<JsonElement>> BackendsAsync(TestCluster c, int k, string service)
    {
        var r = await c.OrchAsync(k, "service", "inspect", service);
        if (r.ExitCode != 0)
        {
            return [];
        }
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement[0].GetProperty("Endpoint").TryGetProperty("LoadBalancer", out var lb) && lb.GetArrayLength() > 0
            ? [.. lb[0].GetProperty("Backends").EnumerateArray().Select(b => b.Clone())]
            : [];
    }

    /// <summary>Every node's published port answers.</summary>
    private static async Task ServesAsync(TestCluster c, int nodes)
    {
        for (var k = 1; k <= nodes; k++)
        {
            await Eventually.MatchAsync(async () =>
            {
                try
                {
                    return await Web.GetAsync(c.Address(k), Port);
                }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
                {
                    return "";
                }
            }, a => a.Length > 0, $"n{k}'s published port answers", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        }
    }
}
