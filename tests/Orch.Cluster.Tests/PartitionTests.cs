using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>A manager cut off by its link (its orchd keeps running): no commits on its side, convergence after heal.</summary>
public sealed class PartitionTests
{
    [Fact]
    public async Task LeaderCutOff_CannotCommitOnItsSide_FollowsNewLeaderAfterHeal()
    {
        await using var c = await TestCluster.UpAsync(3, managers: 3);
        var cut = await Swarm.LeaderAsync(c, 1, 3);
        var majority = Enumerable.Range(1, 3).Where(k => k != cut).ToArray();
        await c.CutAsync(cut);

        // The minority side: the old leader must refuse, not hang and not pretend.
        var write = await c.OrchAsync(cut, TimeSpan.FromSeconds(90), "node", "update", "--label-add", "minority=1", $"n{cut}");
        Assert.True(write.ExitCode == 1, $"a write on the cut-off side must fail: {write}");
        Assert.Matches(Swarm.NoQuorum, write.Stderr);

        // The majority side elects a leader and commits.
        var leader = await Swarm.LeaderAsync(c, majority[0], 3, not: cut);
        await Swarm.EventuallyAddLabelAsync(c, majority[1], cut, "majority", "1");

        await c.HealAsync(cut);
        Assert.Equal(leader, await Swarm.LeaderAsync(c, cut, 3, not: cut));
        await Swarm.HasLabelsAsync(c, cut, cut, new Dictionary<string, string> { ["majority"] = "1" });
        Assert.False((await Swarm.LabelsAsync(c, cut, cut)).ContainsKey("minority"), "the write refused on the minority side must not appear");
        await Swarm.EventuallyAddLabelAsync(c, cut, cut, "healed", "1");
        await Swarm.HasLabelsAsync(c, leader, cut, new Dictionary<string, string> { ["healed"] = "1", ["majority"] = "1" });
    }
}
