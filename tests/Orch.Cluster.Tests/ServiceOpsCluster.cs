using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// One 3-node cluster (n1 manager, n2–n3 workers, busybox on each, a 2 s dispatcher heartbeat so
/// that a dead node is noticed in ~6 s) shared by the tests of <see cref="ServiceOpsTests"/>; each
/// test makes its own service and removes it, and any node it breaks it brings back. A 4th daemon
/// (n4) runs outside the swarm, for the test of a node that joins later. n1–n3 advertise
/// <see cref="SmallNodeMemory"/> and n4 <see cref="BigNodeMemory"/> (orchd --node-memory), for the
/// test of a reservation that fits only a node that joins later.
/// </summary>
public sealed class ServiceOpsCluster : IAsyncLifetime
{
    public const long SmallNodeMemory = 256L << 20;
    public const long BigNodeMemory = 1L << 30;

    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.UpAsync(4, orchdArgs: new Dictionary<int, string>
        {
            [1] = "--node-memory 256MiB",
            [2] = "--node-memory 256MiB",
            [3] = "--node-memory 256m",
            [4] = "--node-memory 1GiB",
        });
        await Services.ImportBusyboxAsync(Cluster);
        await Swarm.MustAsync(Cluster, 1, "swarm", "update", "--dispatcher-heartbeat", "2s");
        await LeaveAsync(4);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }

    /// <summary>Node K joins the swarm as a worker.</summary>
    public async Task JoinAsync(int k)
    {
        var token = (await Swarm.MustAsync(Cluster, 1, "swarm", "join-token", "-q", "worker")).Stdout.Trim();
        await Swarm.MustAsync(Cluster, k, "swarm", "join", "--token", token, "--advertise-addr", Cluster.Address(k), Cluster.Address(1) + ":2377");
    }

    /// <summary>Node K leaves the swarm and is removed from the node list (so reasons count 3 nodes).</summary>
    public async Task LeaveAsync(int k)
    {
        await Swarm.MustAsync(Cluster, k, "swarm", "leave", "--force");
        await Swarm.MustAsync(Cluster, 1, "node", "rm", "--force", $"n{k}");
    }

    /// <summary>Removes the service and waits until its tasks are gone from every node's engine.</summary>
    public async Task RemoveAsync(string service)
    {
        await Cluster.OrchAsync(1, "service", "rm", service);
        for (var k = 1; k <= Cluster.Size; k++)
        {
            var node = k;
            await Eventually.MatchAsync(() => Cluster.OrchAsync(node, "ps", "-a"), r => r.ExitCode != 0 || !r.Stdout.Contains(service + ".", StringComparison.Ordinal),
                $"the containers of {service} are removed from n{node}", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>
    /// kill -9 of node K's orchd (cluster.sh kill) and of every process of its containers (found by
    /// the node's cgroup parent, orch-cluster-NAME-nK, in every hierarchy), as a machine that dies would.
    /// </summary>
    public async Task KillNodeWithContainersAsync(int k)
    {
        await Cluster.KillAsync(k);
        var parent = $"orch-cluster-{Cluster.Name}-n{k}";
        var r = await ProcessRunner.ShAsync(
            // Repeated until none is left: short-lived children (the tasks' `sleep`) may exit between listing and kill.
            $"for i in 1 2 3 4 5 6 7 8 9 10; do p=$(for d in $(find /sys/fs/cgroup -type d -name '{parent}' 2>/dev/null); do find \"$d\" -name cgroup.procs -exec cat {{}} + ; done | sort -u); "
            + "[ -z \"$p\" ] && exit 0; kill -KILL $p 2>/dev/null; sleep 0.2; done; echo \"still alive: $p\"; exit 1",
            TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.ToString());
    }
}
