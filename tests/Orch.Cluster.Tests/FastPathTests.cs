using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// The routing mesh's forwarding fast path (tc bpf on the node's uplink, orchd --lb-fastpath) on real nodes: a
/// connection through n1 to the task on n2 carries 4 MiB each way intact, with checksums left to the offload as
/// veth does and with complete ones, closes with FINs in order (the client reads everything and then
/// end-of-stream, no reset), n1's balancer counts the bytes although most
/// packets bypassed its netfilter, and says how many the fast path carried. Stopping orchd takes the program,
/// the qdisc it made and the conntrack sysctl back; after a kill -9 the next start does.
/// </summary>
public sealed class FastPathTests
{
    private const int Port = 8080;
    private const int Size = 4 << 20;

    // A persistent echo server (every connection: cat), with a TERM trap so that stops do not wait the grace period.
    private static readonly string[] Echo = ["sh", "-c", $"trap 'exit 0' TERM; nc -ll -p {Port} -e cat & wait"];

    [Fact]
    public async Task RemoteConnection_ForwardedPastTheStack_IntactClosedCleanly_Counted_AndUndoneAtStop()
    {
        await using var c = await TestCluster.UpAsync(2);
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "echo", "--replicas", "1", "--constraint", "node.hostname==n2",
            "-p", $"{Port}:{Port}", "busybox", .. Echo]);
        await Services.RunningAsync(c, 1, "echo", 1);
        await Eventually.MatchAsync(() => BackendsAsync(c, 1), bs => bs.Count == 1 && bs[0].GetProperty("KernelPath").GetBoolean(),
            "n1's kernel path has a rule for the task on n2", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        Assert.Contains("pref 28530", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
        Assert.Equal("1", (await c.InNodeAsync(1, "cat", "/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal")).Stdout.Trim());

        var sent = RandomNumberGenerator.GetBytes(Size);
        var echoed = await EchoAsync(c.Address(1), sent);
        Assert.Equal(Size, echoed.Length); // everything, then end-of-stream: the FINs crossed n1 NATed, no reset
        Assert.Equal(SHA256.HashData(sent), SHA256.HashData(echoed));

        // Packets whose checksums are complete (not left to an offload, as veth passes them by default): the fast path's
        // checksum updates are what the receivers verify. The client's side (the host's end of the cluster bridge) and
        // the task's node compute them in software.
        foreach (var (k, dev) in new[] { (0, c.Bridge), (2, "eth0") })
        {
            var off = k == 0 ? await ProcessRunner.RunAsync("ethtool", ["-K", dev, "tx", "off"], TimeSpan.FromSeconds(10))
                : await c.InNodeAsync(k, "ethtool", "-K", dev, "tx", "off");
            Assert.True(off.ExitCode == 0, off.ToString());
        }
        var full = await EchoAsync(c.Address(1), sent);
        Assert.Equal(SHA256.HashData(sent), SHA256.HashData(full));

        var b = (await BackendsAsync(c, 1)).Single();
        var forwarded = b.GetProperty("ForwardedPackets").GetInt64();
        Assert.True(forwarded > 100, $"the fast path carried {forwarded} packets of a {Size >> 20} MiB echo");
        // IP bytes: payload plus headers, whichever path carried them (two echoes).
        Assert.True(b.GetProperty("BytesIn").GetInt64() >= 2L * Size, b.ToString());
        Assert.True(b.GetProperty("BytesOut").GetInt64() >= 2L * Size, b.ToString());

        // A clean stop undoes it all.
        await c.StopAsync(1);
        Assert.DoesNotContain("bpf", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
        Assert.DoesNotContain("clsact", (await c.InNodeAsync(1, "tc", "qdisc", "show", "dev", "eth0")).Stdout);
        Assert.Equal("0", (await c.InNodeAsync(1, "cat", "/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal")).Stdout.Trim());

        // kill -9 leaves it; the next start removes it before anything else, and attaches afresh.
        await c.StartAsync(1);
        await Eventually.MatchAsync(async () => (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout,
            s => s.Contains("pref 28530", StringComparison.Ordinal), "n1 attaches the fast path again", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        await c.KillAsync(1);
        Assert.Contains("pref 28530", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
        await c.StartAsync(1);
        await Eventually.MatchAsync(() => BackendsAsync(c, 1), bs => bs.Count == 1 && bs[0].GetProperty("KernelPath").GetBoolean(),
            "n1's kernel path is back", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        Assert.Contains("removed the forwarding fast path left by an earlier run", c.Log(1));
        var again = await EchoAsync(c.Address(1), sent[..65536]);
        Assert.Equal(SHA256.HashData(sent[..65536]), SHA256.HashData(again));
        await c.StopAsync(1);
        Assert.DoesNotContain("bpf", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
        Assert.Equal("0", (await c.InNodeAsync(1, "cat", "/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal")).Stdout.Trim());
    }

    /// <summary>Sends <paramref name="data"/> while reading the echo, half-closes, and reads to end-of-stream.</summary>
    private static async Task<byte[]> EchoAsync(string node, byte[] data)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(node, Port, cts.Token);
        var received = new MemoryStream();
        var reader = Task.Run(async () =>
        {
            var buf = new byte[65536];
            int n;
            while ((n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token)) > 0)
            {
                received.Write(buf, 0, n);
            }
        }, cts.Token);
        for (var off = 0; off < data.Length; off += 16384)
        {
            await s.SendAsync(data.AsMemory(off, Math.Min(16384, data.Length - off)), SocketFlags.None, cts.Token);
        }
        s.Shutdown(SocketShutdown.Send);
        await reader;
        return received.ToArray();
    }

    private static Task<List<JsonElement>> BackendsAsync(TestCluster c, int k) => LoadBalancerTests.BackendsAsync(c, k, "echo");
}
