using System.Text.Json;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>The node commands' output and exit codes, as Docker's, on a one-manager, one-worker cluster.</summary>
public sealed class NodeCommandsTests
{
    [Fact]
    public async Task NodeCommands_InspectUpdateSwarmUpdateJoinToken_AsDocker()
    {
        await using var c = await TestCluster.UpAsync(2, managers: 1);
        var rows = await Swarm.NodeLsAsync(c, 1);
        var n2 = rows.Single(r => r.Hostname == "n2").Id;

        // NODE may be an id, an id prefix, a hostname or "self".
        foreach (var arg in new[] { n2, n2[..6], "n2" })
        {
            var byArg = await Swarm.MustAsync(c, 1, "node", "inspect", arg);
            using var doc = JsonDocument.Parse(byArg.Stdout);
            Assert.Equal(n2, doc.RootElement[0].GetProperty("ID").GetString());
        }
        var self = await Swarm.MustAsync(c, 1, "node", "inspect", "self");
        using (var doc = JsonDocument.Parse(self.Stdout))
        {
            var node = doc.RootElement[0];
            Assert.Equal("n1", node.GetProperty("Description").GetProperty("Hostname").GetString());
            Assert.Equal("manager", node.GetProperty("Spec").GetProperty("Role").GetString());
            Assert.Equal("ready", node.GetProperty("Status").GetProperty("State").GetString());
            Assert.Equal(c.Address(1), node.GetProperty("Status").GetProperty("Addr").GetString());
            Assert.True(node.GetProperty("ManagerStatus").GetProperty("Leader").GetBoolean());
            Assert.True(node.GetProperty("Description").GetProperty("Resources").GetProperty("NanoCPUs").GetInt64() > 0);
            Assert.True(node.GetProperty("Description").GetProperty("TLSInfo").GetProperty("CertExpiry").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        }

        var missing = await c.OrchAsync(1, "node", "inspect", "nosuchnode");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("[]\n", missing.Stdout);
        Assert.Equal("Error: No such node: nosuchnode\n", missing.Stderr);

        Assert.Equal("n2\n", (await Swarm.MustAsync(c, 1, "node", "update", "--availability", "drain", "--label-add", "disk=ssd", "--label-add", "zone=a", "n2")).Stdout);
        Assert.Equal("n2\n", (await Swarm.MustAsync(c, 1, "node", "update", "--label-rm", "zone", "n2")).Stdout);
        Assert.Equal("Drain", (await Swarm.NodeLsAsync(c, 1)).Single(r => r.Hostname == "n2").Availability);
        var labelRm = await c.OrchAsync(1, "node", "update", "--label-rm", "nosuchkey", "n2");
        Assert.Equal(1, labelRm.ExitCode);
        Assert.Contains("key nosuchkey doesn't exist in node's labels", labelRm.Stderr, StringComparison.Ordinal);
        var badAvailability = await c.OrchAsync(1, "node", "update", "--availability", "sleepy", "n2");
        Assert.Equal(125, badAvailability.ExitCode);

        var pretty = (await Swarm.MustAsync(c, 1, "node", "inspect", "--pretty", "n2")).Stdout;
        Assert.Contains("Hostname:              \tn2\n", pretty, StringComparison.Ordinal);
        Assert.Contains("Labels:\n - disk=ssd\n", pretty, StringComparison.Ordinal);
        Assert.Contains(" Availability:         \tDrain\n", pretty, StringComparison.Ordinal);
        Assert.Contains($" Address:\t\t{c.Address(2)}\n", pretty, StringComparison.Ordinal);
        Assert.Contains("Certificate Expiry:", pretty, StringComparison.Ordinal);
        Assert.DoesNotContain("Manager Status:", pretty, StringComparison.Ordinal);

        var swarm = await Swarm.MustAsync(c, 1, "swarm", "update", "--dispatcher-heartbeat", "2s");
        Assert.Equal("Swarm updated.\n", swarm.Stdout);
        Assert.Equal("2000000000", await Swarm.SwarmFieldAsync(c, 1, "Spec.Dispatcher.HeartbeatPeriod"));
        var token = await Swarm.MustAsync(c, 1, "swarm", "join-token", "manager");
        Assert.Matches($"^To add a manager to this swarm, run the following command:\n\n    orch swarm join --token SWMTKN-1-\\S+ {c.Address(1)}:2377\n\n$", token.Stdout);
    }

    [Fact]
    public async Task PromoteThenDemote_WorkerBecomesReachableManagerAndBack()
    {
        await using var c = await TestCluster.UpAsync(2, managers: 1);
        Assert.Equal("Node n2 promoted to a manager in the swarm.\n", (await Swarm.MustAsync(c, 1, "node", "promote", "n2")).Stdout);
        await Eventually.MatchAsync(() => Swarm.NodeLsAsync(c, 1), r => r.Single(n => n.Hostname == "n2").ManagerStatus == "Reachable",
            "n2 is a Reachable manager after promote", Swarm.Settle);
        // As a manager it answers cluster commands itself.
        Assert.Equal(2, (await Swarm.NodeLsAsync(c, 2)).Count);
        Assert.Equal("Node n2 is already a manager.\n", (await Swarm.MustAsync(c, 1, "node", "promote", "n2")).Stdout);
        Assert.Equal("Manager n2 demoted in the swarm.\n", (await Swarm.MustAsync(c, 1, "node", "demote", "n2")).Stdout);
        await Eventually.MatchAsync(() => Swarm.NodeLsAsync(c, 1), r => r.Single(n => n.Hostname == "n2").ManagerStatus == "",
            "n2 is a worker again after demote", Swarm.Settle);

        Assert.Equal(1, await Swarm.LeaderAsync(c, 1, 2));
        var refused = await c.OrchAsync(2, "node", "ls");
        Assert.Equal(1, refused.ExitCode);
    }

    [Fact]
    public async Task NodePs_NoServices_HeaderOnly()
    {
        await using var c = await TestCluster.UpAsync(2, managers: 1);
        // No services yet: the header only.
        var ps = await Swarm.MustAsync(c, 1, "node", "ps", "n2");
        Assert.Matches(@"^ID\s+NAME\s+IMAGE\s+NODE\s+DESIRED STATE\s+CURRENT STATE\s+ERROR\s+PORTS\n$", ps.Stdout);

        Assert.Equal(ps.Stdout, (await Swarm.MustAsync(c, 1, "node", "ps")).Stdout);
    }
}
