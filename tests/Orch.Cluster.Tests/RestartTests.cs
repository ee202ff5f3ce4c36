using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>Every node stopped (SIGTERM) and started again on its data root.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task WholeClusterStoppedAndStarted_KeepsAllState()
    {
        await using var c = await TestCluster.UpAsync(4, managers: 3);
        await Swarm.LeaderAsync(c, 1, 4);
        await Swarm.AddLabelAsync(c, 2, 4, "tier", "web");
        await Swarm.MustAsync(c, 3, "node", "update", "--availability", "drain", "n3");
        await Swarm.MustAsync(c, 1, "swarm", "update", "--task-history-limit", "9");
        await Swarm.MustAsync(c, 1, "swarm", "join-token", "-q", "--rotate", "worker");
        var workerToken = (await Swarm.MustAsync(c, 1, "swarm", "join-token", "-q", "worker")).Stdout.Trim();
        var ids = (await Swarm.MustAsync(c, 1, "node", "ls", "-q")).Stdout;

        for (var k = 4; k >= 1; k--)
        {
            await c.StopAsync(k);
        }
        for (var k = 1; k <= 4; k++)
        {
            await c.StartAsync(k);
        }

        await Swarm.LeaderAsync(c, 1, 4);
        var rows = await Eventually.MatchAsync(() => Swarm.NodeLsAsync(c, 1), r => r.All(n => n.Status == "Ready"),
            "all four nodes Ready again", Swarm.Settle);
        Assert.Equal(ids, (await Swarm.MustAsync(c, 1, "node", "ls", "-q")).Stdout);
        Assert.Equal("Drain", rows.Single(r => r.Hostname == "n3").Availability);
        Assert.Equal("web", (await Swarm.LabelsAsync(c, 2, 4))["tier"]);
        Assert.Equal("9", await Swarm.SwarmFieldAsync(c, 3, "Spec.Orchestration.TaskHistoryRetentionLimit"));
        Assert.Equal(workerToken, (await Swarm.MustAsync(c, 2, "swarm", "join-token", "-q", "worker")).Stdout.Trim());
        await Swarm.EventuallyAddLabelAsync(c, 3, 1, "after-restart", "1");
    }
}
