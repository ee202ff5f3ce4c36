using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>The harness itself, without the swarm: daemons, the test network, cut/heal, kill/start and a clean down.</summary>
public sealed class HarnessTests
{
    [Fact]
    public async Task EngineOnly_TwoNodes_TalkAcrossTheBridge_CutHealKillStart_DownLeavesNothing()
    {
        var c = await TestCluster.UpAsync(2, engineOnly: true);
        var pids = new List<int>();
        try
        {
            for (var k = 1; k <= 2; k++)
            {
                var v = await c.OrchAsync(k, "version");
                Assert.True(v.ExitCode == 0 && v.Stdout.Contains("Server:", StringComparison.Ordinal), v.ToString());
                Assert.Contains($"/n{k}/data", v.Stdout, StringComparison.Ordinal);
                pids.Add(int.Parse((await c.ScriptAsync("pid", $"{k}")).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture));
            }
            Assert.Equal(c.Address(2), (await c.ScriptAsync("addr", "2")).Stdout.Trim());

            // Node to node through the bridge, and the host to a node (addr K is reachable from here).
            Assert.Equal(0, (await Ping(c, 1, c.Address(2))).ExitCode);
            Assert.Equal(0, (await c.InNodeAsync(2, "busybox", "ping", "-c", "1", "-W", "2", c.Address(1))).ExitCode);
            Assert.Equal(0, (await ProcessRunner.RunAsync("busybox", ["ping", "-c", "1", "-W", "2", c.Address(1)])).ExitCode);

            // A cut is a real partition: no packet passes either way; the daemon keeps running.
            await c.CutAsync(2);
            Assert.NotEqual(0, (await Ping(c, 1, c.Address(2))).ExitCode);
            Assert.NotEqual(0, (await c.InNodeAsync(2, "busybox", "ping", "-c", "1", "-W", "1", c.Address(1))).ExitCode);
            Assert.True(Directory.Exists($"/proc/{pids[1]}"), "a cut must not stop orchd");
            await c.HealAsync(2);
            await Eventually.MatchAsync(() => Ping(c, 1, c.Address(2)), r => r.ExitCode == 0, "n1 reaches n2 again after heal", TimeSpan.FromSeconds(20));

            // kill -9 leaves the node down until start brings the same state back.
            await c.KillAsync(2);
            Assert.False(IsAlive(pids[1]), "orchd of n2 still runs after kill");
            Assert.NotEqual(0, (await c.OrchAsync(2, "version")).ExitCode);
            await c.StartAsync(2);
            Assert.Equal(0, (await c.OrchAsync(2, "version")).ExitCode);
            pids[1] = int.Parse((await c.ScriptAsync("pid", "2")).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            await c.DisposeAsync();
        }

        foreach (var pid in pids)
        {
            Assert.False(IsAlive(pid), $"orchd {pid} still runs after down");
        }
        Assert.Empty(Directory.GetFiles("/run/netns", c.Name + "-n*"));
        Assert.Empty(Directory.GetFileSystemEntries("/sys/class/net", c.Name + "*"));
        Assert.False(Directory.Exists(c.StateDir), c.StateDir + " left behind");
        Assert.False(Directory.Exists(c.RunDir), c.RunDir + " left behind");
        var rules = await ProcessRunner.RunAsync("iptables", ["-w", "-S", "FORWARD"]);
        Assert.DoesNotContain("orch-cluster:" + c.Name, rules.Stdout, StringComparison.Ordinal);
        var cgroups = Directory.GetDirectories("/sys/fs/cgroup").SelectMany(h => Directory.GetDirectories(h, $"orch-cluster-{c.Name}-n*"))
            .Concat(Directory.GetDirectories("/sys/fs/cgroup", $"orch-cluster-{c.Name}-n*"));
        Assert.Empty(cgroups);

        // down is idempotent.
        var again = await c.ScriptAsync("down");
        Assert.True(again.ExitCode == 0, again.ToString());
    }

    private static Task<CommandResult> Ping(TestCluster c, int from, string to) =>
        c.InNodeAsync(from, "busybox", "ping", "-c", "1", "-W", "1", to);

    private static bool IsAlive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z";
}
