using Orch.Testing.Cluster;
using TaskState = Orch.Api.V1.Objects.TaskState;

namespace Orch.Cluster.Tests;

/// <summary>A leader change in the middle of a rolling update (issue 5): the new leader's updater carries it to the end.</summary>
public sealed class ServiceFailoverTests
{
    [Fact]
    public async Task LeaderKilledMidRollingUpdate_UpdateCompletesUnderNewLeader()
    {
        await using var c = await TestCluster.UpAsync(3, managers: 3);
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, "swarm", "update", "--dispatcher-heartbeat", "1s");
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "roll", "--replicas", "4", "--env", "V=1",
            "--update-parallelism", "1", "--update-delay", "3s", "busybox", .. Services.Idle()]);
        await Services.WaitRunningAsync(c, 1, "roll", 4);
        var before = (await Services.TasksAsync(c, 2, "roll")).Select(t => t.Id).ToHashSet();
        await Swarm.MustAsync(c, 1, "service", "update", "--detach", "--env-add", "V=2", "roll");

        // Once the first replacement runs (the update is under way, 3 slots still to go), the leader dies.
        await Eventually.MatchAsync(() => Services.TasksAsync(c, 2, "roll"),
            ts => ts.Count(t => !before.Contains(t.Id) && t.Status?.State == TaskState.Running) >= 1,
            "the first updated task of roll runs", Services.Converge, TimeSpan.FromMilliseconds(300));
        await c.KillAsync(1);
        var leader = await Swarm.LeaderAsync(c, 2, 3, not: 1);

        var status = await Eventually.MatchAsync(() => Services.InspectAsync(c, leader, "roll"),
            s => s.TryGetProperty("UpdateStatus", out var u) && u.GetProperty("State").GetString() == "completed",
            "the update of roll completes under the new leader", Services.Converge, TimeSpan.FromSeconds(1));
        Assert.Equal("completed", status.GetProperty("UpdateStatus").GetProperty("State").GetString());
        var running = await Eventually.MatchAsync(() => Services.TasksAsync(c, leader, "roll"),
            ts => ts.Count(t => t.DesiredState == TaskState.Running && t.Status?.State == TaskState.Running && t.NodeId.Length > 0) == 4,
            "4 tasks of roll running", Services.Converge, TimeSpan.FromMilliseconds(500));
        var live = running.Where(t => t.DesiredState == TaskState.Running).ToList();
        Assert.Equal(4, live.Count);
        Assert.All(live, t => Assert.Contains("V=2", t.Spec.Container.Env));
        await c.StartAsync(1);
    }
}
