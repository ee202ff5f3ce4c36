using System.Net.Sockets;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// `--publish mode=host` on real nodes (issue 6), as in Swarm: the port is bound only on the nodes that run a task of
/// the service, straight to that node's task (no balancer, no other node answers it), and two tasks that publish the
/// same host port never share a node: one with no node left waits with the reason, and runs once a node is free.
/// </summary>
public sealed class HostModePublishTests
{
    private const int Port = 8081;

    private static readonly string[] Hostname =
        ["sh", "-c", $"mkdir -p /srv && hostname > /srv/index.html && trap 'exit 0' TERM; httpd -f -p 80 -h /srv & wait"];

    [Fact]
    public async Task HostPort_BoundOnlyWhereATaskRuns_OneTaskPerNode_AnotherWaitsWithTheReason()
    {
        await using var c = await TestCluster.UpAsync(2);
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "hm", "--replicas", "1", "--constraint", "node.hostname==n2",
            "--publish", $"published={Port},target=80,mode=host", "busybox", .. Hostname]);
        var task = (await Services.RunningAsync(c, 1, "hm", 1)).Single();
        Assert.Equal("n2", task.Node);

        // n2 answers with its task; n1 runs none and does not listen on the port at all (refused, not balanced).
        var answer = await Eventually.MatchAsync(() => TryGetAsync(c.Address(2)), a => a is { Length: > 0 },
            "n2 answers on its host-mode port", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        Assert.True(await RefusedAsync(c.Address(1)), $"n1 runs no task of hm, yet something answers on {c.Address(1)}:{Port}");
        // `service ps` lists the port the task bound on its node, as Docker does.
        Assert.Contains($"*:{Port}->80/tcp", (await c.OrchAsync(1, "service", "ps", "hm")).Stdout);

        // Two replicas on the only node allowed: one holds the port, the other waits and says why.
        await Swarm.MustAsync(c, 1, ["service", "scale", "--detach", "hm=2"]);
        var rows = await Services.WaitPsAsync(c, 1, "hm", rs => rs.Any(r => r.Error.Contains($"host port {Port}/tcp in use", StringComparison.Ordinal)),
            "the second task waits for a node with the host port free");
        Assert.Single(rows, r => r.Running);
        Assert.Contains(rows, r => r.Current.StartsWith("Pending", StringComparison.Ordinal));

        // Once n1 may run it, the waiting task goes there and n1 answers with its own task, n2 still with its.
        await Swarm.MustAsync(c, 1, ["service", "update", "--detach", "--constraint-rm", "node.hostname==n2", "hm"]);
        rows = await Services.WaitRunningAsync(c, 1, "hm", 2);
        Assert.Equal(["n1", "n2"], rows.Where(r => r.Running).Select(r => r.Node).Order());
        var fromN1 = await Eventually.MatchAsync(() => TryGetAsync(c.Address(1)), a => a is { Length: > 0 },
            "n1 answers on its host-mode port", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        // (the update replaced n2's task too, as Swarm's does)
        var fromN2 = await Eventually.MatchAsync(() => TryGetAsync(c.Address(2)), a => a is { Length: > 0 } && a != answer,
            "n2 answers with its new task", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
        Assert.NotEqual(fromN1, fromN2);
        for (var i = 0; i < 5; i++)
        {
            // Always the node's own task: nothing balances a host-mode port.
            Assert.Equal(fromN1, await Web.GetAsync(c.Address(1), Port));
            Assert.Equal(fromN2, await Web.GetAsync(c.Address(2), Port));
        }

        // Removing the service frees the port on both nodes.
        await Swarm.MustAsync(c, 1, ["service", "rm", "hm"]);
        await Eventually.MatchAsync(async () => await RefusedAsync(c.Address(1)) && await RefusedAsync(c.Address(2)), done => done,
            "both nodes closed the host-mode port", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(300));
    }

    private static async Task<string?> TryGetAsync(string node)
    {
        try
        {
            return await Web.GetAsync(node, Port, TimeSpan.FromSeconds(3));
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<bool> RefusedAsync(string node)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await s.ConnectAsync(node, Port, cts.Token);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false; // not a refusal: a listener closing under the connect resets it, for one
        }
    }
}
