using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// Joins refused with a reason. The cluster is made by hand (engine-only harness, then `swarm init` and `swarm join`
/// through the CLI) so that node 2 starts outside the swarm.
/// </summary>
public sealed class JoinSecurityTests
{
    [Fact]
    public async Task Join_WrongSecret_WrongCaDigest_RotatedToken_AreRefused_TheCurrentTokenJoins()
    {
        await using var c = await TestCluster.UpAsync(2, engineOnly: true);
        var init = await Swarm.MustAsync(c, 1, "swarm", "init", "--advertise-addr", c.Address(1));
        var joinAddr = $"{c.Address(1)}:2377";
        Assert.StartsWith("Swarm initialized: current node (", init.Stdout, StringComparison.Ordinal);
        Assert.Contains($"    orch swarm join --token SWMTKN-1-", init.Stdout, StringComparison.Ordinal);
        Assert.Contains(" " + joinAddr + "\n", init.Stdout, StringComparison.Ordinal);
        Assert.Contains("To add a manager to this swarm, run 'orch swarm join-token manager' and follow the instructions.", init.Stdout, StringComparison.Ordinal);

        var token = (await Swarm.MustAsync(c, 1, "swarm", "join-token", "-q", "worker")).Stdout.Trim();
        var parts = token.Split('-');
        Assert.True(parts.Length == 4 && parts[0] == "SWMTKN" && parts[1] == "1", "token shape: " + token);

        var wrongSecret = string.Join('-', parts[0], parts[1], parts[2], Flip(parts[3]));
        var refused = await JoinAsync(c, wrongSecret, joinAddr);
        Assert.Matches("(?i)secret|invalid.*token|token.*invalid", refused.Stderr);

        var wrongCa = string.Join('-', parts[0], parts[1], Flip(parts[2]), parts[3]);
        refused = await JoinAsync(c, wrongCa, joinAddr);
        Assert.Matches("(?i)digest|fingerprint|does not match", refused.Stderr);

        var rotate = await Swarm.MustAsync(c, 1, "swarm", "join-token", "--rotate", "worker");
        Assert.StartsWith("Successfully rotated worker join token.\n\nTo add a worker to this swarm, run the following command:\n\n    orch swarm join --token SWMTKN-1-", rotate.Stdout, StringComparison.Ordinal);
        var current = (await Swarm.MustAsync(c, 1, "swarm", "join-token", "-q", "worker")).Stdout.Trim();
        Assert.NotEqual(token, current);
        Assert.Contains(current + " " + joinAddr, rotate.Stdout, StringComparison.Ordinal);
        refused = await JoinAsync(c, token, joinAddr);
        Assert.Matches("(?i)secret|rotat|invalid.*token|token.*invalid", refused.Stderr);

        // Nothing of the refused joins is left in the cluster.
        Assert.Single(await Swarm.NodeLsAsync(c, 1));

        var join = await Swarm.MustAsync(c, 2, "swarm", "join", "--token", current, "--advertise-addr", c.Address(2), joinAddr);
        Assert.Equal("This node joined a swarm as a worker.\n", join.Stdout);
        await Eventually.MatchAsync(() => Swarm.NodeLsAsync(c, 1), rows => rows.Count == 2 && rows.All(r => r.Status == "Ready"),
            "n2 listed and Ready after its join", Swarm.Settle);
    }

    [Fact]
    public async Task RemovedNode_IsRefused_AndDoesNotComeBack()
    {
        await using var c = await TestCluster.UpAsync(2, managers: 1);
        // A short heartbeat makes the removed agent's re-registration attempts frequent.
        await Swarm.MustAsync(c, 1, "swarm", "update", "--dispatcher-heartbeat", "1s");

        var rm = await Swarm.MustAsync(c, 1, "node", "rm", "-f", "n2");
        Assert.Equal("n2\n", rm.Stdout);
        Assert.Equal(["n1"], (await Swarm.NodeLsAsync(c, 1)).Select(r => r.Hostname));

        // The removed node's certificate is refused from then on: its session fails, and says why.
        await Eventually.MatchAsync(() => Task.FromResult(c.Log(2)), log => log.Contains("removed", StringComparison.Ordinal),
            "n2's session is refused because the node was removed", Swarm.Settle);
        // ...and it never registers again (polled over several heartbeat periods).
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(["n1"], (await Swarm.NodeLsAsync(c, 1)).Select(r => r.Hostname));
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
    }

    private static async Task<CommandResult> JoinAsync(TestCluster c, string token, string addr)
    {
        var r = await c.OrchAsync(2, "swarm", "join", "--token", token, "--advertise-addr", c.Address(2), addr);
        Assert.True(r.ExitCode == 1, $"the join must be refused: {r}");
        Assert.StartsWith("Error response from daemon: ", r.Stderr, StringComparison.Ordinal);
        return r;
    }

    /// <summary>The same string with its first character changed (still base 36).</summary>
    private static string Flip(string s) => (s[0] == 'a' ? 'b' : 'a') + s[1..];
}
