using System.Text.Json;
using System.Text.RegularExpressions;
using Orch.Testing.Cluster;
using TaskState = Orch.Api.V1.Objects.TaskState;

namespace Orch.Cluster.Tests;

/// <summary>
/// Service behaviour on real nodes (issue 5 acceptance): scaling, placement limits, restart policy,
/// rolling-update settings, automatic and manual rollback, and dead or cut-off workers. One shared
/// 3-node cluster (<see cref="ServiceOpsCluster"/>); every test uses its own service.
/// </summary>
public sealed class ServiceOpsTests(ServiceOpsCluster fixture) : IClassFixture<ServiceOpsCluster>
{
    private TestCluster C => fixture.Cluster;

    [Fact]
    public async Task Scale_3_To_10_To_2()
    {
        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "sc", "--replicas", "3", "busybox", .. Services.Idle()]);
        await Services.WaitRunningAsync(C, 1, "sc", 3);
        var up = await Swarm.MustAsync(C, 1, "service", "scale", "--detach", "sc=10");
        Assert.Contains("sc scaled to 10", up.Stdout, StringComparison.Ordinal);
        var ten = await Services.WaitRunningAsync(C, 1, "sc", 10);
        Assert.Equal(["n1", "n2", "n3"], ten.Select(t => t.Node).Distinct().Order()); // spread over every node
        await Swarm.MustAsync(C, 1, "service", "scale", "--detach", "sc=2");
        await Services.WaitRunningAsync(C, 1, "sc", 2);
        var ls = await Swarm.MustAsync(C, 1, "service", "ls");
        Assert.Matches(new Regex(@"\ssc\s+replicated\s+2/2\s"), ls.Stdout);
        await fixture.RemoveAsync("sc");
    }

    [Fact]
    public async Task Global_OneTaskPerNode_AndOnANodeThatJoinsLater()
    {
        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "gl", "--mode", "global", "busybox", .. Services.Idle()]);
        var rows = await Services.WaitRunningAsync(C, 1, "gl", 3);
        Assert.Equal(["n1", "n2", "n3"], rows.Select(t => t.Node).Order());
        await fixture.JoinAsync(4);
        try
        {
            rows = await Services.WaitRunningAsync(C, 1, "gl", 4);
            Assert.Equal(["n1", "n2", "n3", "n4"], rows.Select(t => t.Node).Order());
            await fixture.RemoveAsync("gl");
        }
        finally
        {
            await fixture.LeaveAsync(4);
        }
    }

    [Fact]
    public async Task MaxReplicasPerNode_FourOnThreeNodes_OnePendingWithReason()
    {
        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "mx", "--replicas", "4", "--replicas-max-per-node", "1",
            "busybox", .. Services.Idle()]);
        var rows = await Services.WaitPsAsync(C, 1, "mx",
            r => r.Count(t => t.Running) == 3 && r.Count(t => t.Current.StartsWith("Pending", StringComparison.Ordinal)) == 1,
            "3 tasks of mx running and 1 pending");
        Assert.Equal(["n1", "n2", "n3"], rows.Where(t => t.Running).Select(t => t.Node).Order());
        var pending = rows.Single(t => t.Current.StartsWith("Pending", StringComparison.Ordinal));
        Assert.Matches(new Regex(@"no suitable node.*3 nodes.*max replicas per node \(1\)"), pending.Error);
        await fixture.RemoveAsync("mx");
    }

    [Fact]
    public async Task ReserveMemory_LargerThanAnyNode_PendingWithNumbers_ThenRunsOnANodeWithRoomThatJoins()
    {
        // n1–n3 advertise 256 MiB (orchd --node-memory), whatever the machine has; node inspect shows it.
        var n2 = await Swarm.MustAsync(C, 1, "node", "inspect", "n2");
        Assert.Equal(ServiceOpsCluster.SmallNodeMemory, NodeMemory(n2.Stdout));

        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "big", "--reserve-memory", "512MiB", "busybox", .. Services.Idle()]);
        var rows = await Services.WaitPsAsync(C, 1, "big", r => r.Any(t => t.Current.StartsWith("Pending", StringComparison.Ordinal) && t.Error.Length > 0),
            "the task of big pending with a reason");
        Assert.Matches(new Regex(@"no suitable node: 3 nodes; 3 lack memory \(need 512MiB, free 256MiB\)"), rows.Single().Error);
        await Task.Delay(TimeSpan.FromSeconds(3)); // still pending a while later: not a race with placement
        rows = await Services.PsAsync(C, 1, "big");
        Assert.True(rows.Count == 1 && rows[0].Current.StartsWith("Pending", StringComparison.Ordinal), string.Join('\n', rows));

        // A node with room (n4 advertises 1 GiB) joins: the same task is placed there and runs.
        await fixture.JoinAsync(4);
        try
        {
            var n4 = await Swarm.MustAsync(C, 1, "node", "inspect", "n4");
            Assert.Equal(ServiceOpsCluster.BigNodeMemory, NodeMemory(n4.Stdout));
            var running = await Services.WaitRunningAsync(C, 1, "big", 1);
            Assert.Equal("n4", running.Single().Node);
            await fixture.RemoveAsync("big");
        }
        finally
        {
            await fixture.LeaveAsync(4);
        }
    }

    private static long NodeMemory(string inspectJson) =>
        JsonDocument.Parse(inspectJson).RootElement[0].GetProperty("Description").GetProperty("Resources").GetProperty("MemoryBytes").GetInt64();

    [Fact]
    public async Task TaskExits_RestartedAfterDelay_AtMostMaxAttempts()
    {
        await Swarm.MustAsync(C, 1, "service", "create", "--detach", "--name", "crash", "--restart-condition", "on-failure", "--restart-delay", "2s",
            "--restart-max-attempts", "2", "busybox", "sh", "-c", "echo started; sleep 0.5; exit 3");
        // The first attempt and 2 restarts, each failed with exit code 3; then no more.
        await Services.WaitPsAsync(C, 1, "crash", r => r.Count(t => t.Current.StartsWith("Failed", StringComparison.Ordinal)) == 3,
            "3 failed tasks of crash (1 + 2 restarts)");
        await Task.Delay(TimeSpan.FromSeconds(6)); // 3 restart delays: a 4th attempt would have been made by now
        var tasks = (await Services.TasksAsync(C, 1, "crash")).OrderBy(t => t.Meta.CreatedAt.ToDateTimeOffset()).ToList();
        Assert.Equal(3, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(TaskState.Failed, t.Status.State));
        Assert.All(tasks, t => Assert.Contains("3", t.Status.Error, StringComparison.Ordinal));
        for (var i = 1; i < tasks.Count; i++)
        {
            // The restart delay runs from the failure to the replacement's start (Swarm's meaning).
            var failed = tasks[i - 1].Status.Container.StartedAt.ToDateTimeOffset();
            var next = tasks[i].Status.Container.StartedAt.ToDateTimeOffset();
            Assert.True(next - failed >= TimeSpan.FromSeconds(2.4), $"attempt {i + 1} started {next - failed} after attempt {i} (0.5 s run + 2 s delay)");
        }
        await fixture.RemoveAsync("crash");
    }

    [Fact]
    public async Task Update_Parallelism2_Delay1s_ReplacesInBatches()
    {
        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "par", "--replicas", "4", "--env", "V=1", "busybox", .. Services.Idle()]);
        await Services.WaitRunningAsync(C, 1, "par", 4);
        var before = (await Services.TasksAsync(C, 1, "par")).Select(t => t.Id).ToHashSet();
        await Swarm.MustAsync(C, 1, "service", "update", "--detach", "--update-parallelism", "2", "--update-delay", "1s", "--env-add", "V=2", "par");
        await WaitUpdateAsync("par", "completed");
        var fresh = (await Services.TasksAsync(C, 1, "par")).Where(t => !before.Contains(t.Id) && t.DesiredState == TaskState.Running)
            .OrderBy(t => t.Meta.CreatedAt.ToDateTimeOffset()).ToList();
        Assert.Equal(4, fresh.Count);
        // Batch 2 is made only after batch 1 runs, plus the delay.
        var batch1Running = fresh.Take(2).Max(t => t.Status.Container.StartedAt.ToDateTimeOffset());
        var batch2Created = fresh.Skip(2).Min(t => t.Meta.CreatedAt.ToDateTimeOffset());
        Assert.True(batch2Created - batch1Running >= TimeSpan.FromSeconds(0.9),
            $"second batch created {batch2Created - batch1Running} after the first batch ran (delay 1s)");
        // Batch 1 went together: both its tasks were created before either of batch 1 started.
        Assert.True(fresh[1].Meta.CreatedAt.ToDateTimeOffset() <= fresh.Take(2).Min(t => t.Status.Container.StartedAt.ToDateTimeOffset()),
            "the 2 tasks of the first batch were created together");
        await fixture.RemoveAsync("par");
    }

    [Fact]
    public async Task Update_StartFirst_NewTaskRunsBeforeOldStops()
    {
        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "sf", "--replicas", "1", "--update-order", "start-first",
            "--env", "V=1", "busybox", .. Services.Idle()]);
        await Services.WaitRunningAsync(C, 1, "sf", 1);
        var old = (await Services.TasksAsync(C, 1, "sf")).Single();
        await Swarm.MustAsync(C, 1, "service", "update", "--detach", "--env-add", "V=2", "sf");
        await WaitUpdateAsync("sf", "completed");
        var tasks = await Services.TasksAsync(C, 1, "sf");
        var oldNow = tasks.Single(t => t.Id == old.Id);
        var fresh = tasks.Single(t => t.Id != old.Id && t.DesiredState == TaskState.Running);
        Assert.True(oldNow.Status.State >= TaskState.Complete, $"old task is {oldNow.Status.State}");
        var newStarted = fresh.Status.Container.StartedAt.ToDateTimeOffset();
        var oldStopped = oldNow.Status.Timestamp.ToDateTimeOffset();
        Assert.True(newStarted < oldStopped, $"start-first: new task started at {newStarted:O}, old one stopped at {oldStopped:O}");
        await fixture.RemoveAsync("sf");
    }

    [Fact]
    public async Task Update_FailingHealthCheck_RollsBackByItself_ThenManualRollback()
    {
        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "hc", "--replicas", "2", "--env", "V=1",
            "--update-failure-action", "rollback", "--update-monitor", "4s", "busybox", .. Services.Idle()]);
        await Services.WaitRunningAsync(C, 1, "hc", 2);
        await Swarm.MustAsync(C, 1, "service", "update", "--detach", "--env-add", "V=2", "--health-cmd", "false", "--health-interval", "1s",
            "--health-retries", "1", "--health-start-period", "0s", "hc");
        var status = await WaitUpdateAsync("hc", "rollback_completed");
        Assert.Matches(new Regex("health|unhealthy|fail", RegexOptions.IgnoreCase), status.GetProperty("Message").GetString());
        var spec = (await Services.InspectAsync(C, 1, "hc")).GetProperty("Spec").GetProperty("TaskTemplate").GetProperty("ContainerSpec");
        Assert.Contains("V=1", spec.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.False(spec.TryGetProperty("Healthcheck", out _), "the rolled-back spec has no health check");
        await Services.WaitRunningAsync(C, 1, "hc", 2);

        // A good update, then `service rollback` by hand returns to V=1.
        await Swarm.MustAsync(C, 1, "service", "update", "--detach", "--env-add", "V=3", "hc");
        await WaitUpdateAsync("hc", "completed");
        await Swarm.MustAsync(C, 1, "service", "rollback", "--detach", "hc");
        await WaitUpdateAsync("hc", "rollback_completed");
        spec = (await Services.InspectAsync(C, 1, "hc")).GetProperty("Spec").GetProperty("TaskTemplate").GetProperty("ContainerSpec");
        Assert.Contains("V=1", spec.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        await Services.WaitRunningAsync(C, 1, "hc", 2);
        await fixture.RemoveAsync("hc");
    }

    [Fact]
    public async Task WorkerKilled_TasksRunElsewhere_ThenExactlyReplicasWhenBack()
    {
        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "kw", "--replicas", "3", "busybox", .. Services.Idle()]);
        var rows = await Services.WaitRunningAsync(C, 1, "kw", 3);
        Assert.Contains(rows, t => t.Node == "n3");
        await fixture.KillNodeWithContainersAsync(3);
        // 3 heartbeats of 2 s, then scheduling and a start: generous bound, no speed assertion.
        var moved = await Services.WaitPsAsync(C, 1, "kw", r => r.Count(t => t.Running && t.Node != "n3") == 3,
            "3 tasks of kw running on n1/n2 after n3 died", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(moved.Where(t => t.Running), t => t.Node == "n3");
        await C.StartAsync(3);
        await Swarm.LeaderAsync(C, 1, 3);
        await Eventually.MatchAsync(() => Swarm.NodeLsAsync(C, 1), n => n.All(x => x.Status == "Ready"), "n3 Ready again", Swarm.Settle);
        await AssertStaysAtAsync("kw", 3);
        await fixture.RemoveAsync("kw");
    }

    [Fact]
    public async Task WorkerCut_TasksRunElsewhere_ThenExactlyReplicasWhenHealed()
    {
        await Swarm.MustAsync(C, 1, ["service", "create", "--detach", "--name", "cw", "--replicas", "3", "busybox", .. Services.Idle()]);
        var rows = await Services.WaitRunningAsync(C, 1, "cw", 3);
        Assert.Contains(rows, t => t.Node == "n2");
        await C.CutAsync(2);
        try
        {
            await Services.WaitPsAsync(C, 1, "cw", r => r.Count(t => t.Running && t.Node != "n2") == 3,
                "3 tasks of cw running on n1/n3 while n2 is cut off", TimeSpan.FromSeconds(60));
        }
        finally
        {
            await C.HealAsync(2);
        }
        await Eventually.MatchAsync(() => Swarm.NodeLsAsync(C, 1), n => n.All(x => x.Status == "Ready"), "n2 Ready again", Swarm.Settle);
        await AssertStaysAtAsync("cw", 3);
        // The healed node's own engine no longer runs the stale task.
        await Eventually.MatchAsync(() => C.OrchAsync(2, "ps"), r => r.ExitCode == 0 && !r.Stdout.Contains("cw.", StringComparison.Ordinal),
            "n2 stopped its stale task of cw", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        await fixture.RemoveAsync("cw");
    }

    /// <summary>Exactly <paramref name="replicas"/> running, and still so a few heartbeats later (no extra copy lingers).</summary>
    private async Task AssertStaysAtAsync(string service, int replicas)
    {
        await Services.WaitRunningAsync(C, 1, service, replicas);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var rows = await Services.PsAsync(C, 1, service);
        Assert.Equal(replicas, rows.Count(t => t.Running));
        var engines = 0;
        for (var k = 1; k <= C.Size; k++)
        {
            var ps = await Swarm.MustAsync(C, k, "ps");
            engines += Regex.Matches(ps.Stdout, Regex.Escape(service) + @"\.\d+\.").Count;
        }
        Assert.Equal(replicas, engines);
    }

    private async Task<JsonElement> WaitUpdateAsync(string service, string state)
    {
        var s = await Eventually.MatchAsync(() => Services.InspectAsync(C, 1, service),
            s => s.TryGetProperty("UpdateStatus", out var u) && u.GetProperty("State").GetString() == state,
            $"UpdateStatus of {service} is {state}", Services.Converge, TimeSpan.FromSeconds(1));
        return s.GetProperty("UpdateStatus");
    }
}
