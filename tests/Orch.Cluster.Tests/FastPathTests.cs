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
/// packets bypassed its netfilter, and says how many the fast path carried. A connection under traffic goes on
/// across a kill -9 and restart of n1's orchd, and across a clean stop and start (the program stays while it carries
/// an open connection). Stopping orchd with no connection open takes the program, the qdisc it made and the
/// conntrack sysctl back. Short connections leave
/// only their handshake to n1's IP stack, their entries end with them, and a client reusing its port is balanced
/// afresh. A counter map an earlier build pinned with another layout is replaced, not a reason to go without.
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
        await EchoOnN2ThroughN1sFastPathAsync(c);
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

        // kill -9 leaves it, and a connection it carries goes on while orchd is down and after it started again: the
        // next start keeps the program and replaces the rules in one transaction (conntrack never loses its last rule).
        // The same across a clean stop and start.
        await c.StartAsync(1);
        await Eventually.MatchAsync(() => BackendsAsync(c, 1), bs => bs.Count == 1 && bs[0].GetProperty("KernelPath").GetBoolean(),
            "n1's kernel path is back", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        Assert.Contains("pref 28530", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
        await using (var open = await OpenEcho.ConnectAsync(c.Address(1)))
        {
            await open.RoundTripAsync(sent[..1048576]);
            // Round trips of 16 KiB every 20 ms on the same connection, all through the kill, the restart and after.
            using var pumping = new CancellationTokenSource();
            var pump = Task.Run(async () =>
            {
                var rounds = 0;
                for (; !pumping.IsCancellationRequested; rounds++)
                {
                    var off = 1048576 + (rounds % 64) * 16384;
                    await open.RoundTripAsync(sent[off..(off + 16384)]);
                    await Task.Delay(20);
                }
                return rounds;
            });
            await Task.Delay(500);
            await c.KillAsync(1);
            Assert.Contains("pref 28530", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
            await Task.Delay(1000); // orchd is down
            await c.StartAsync(1);
            await Eventually.MatchAsync(() => BackendsAsync(c, 1), bs => bs.Count == 1 && bs[0].GetProperty("KernelPath").GetBoolean(),
                "n1's kernel path is back", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
            // A clean stop while the connection is open keeps the program for it (not the rules); the next start takes it over.
            await c.StopAsync(1);
            Assert.Contains("forwarding fast path kept at exit: it carries 1 open connection(s)", c.Log(1));
            Assert.Contains("pref 28530", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
            Assert.DoesNotContain(":lb\"", (await c.InNodeAsync(1, "iptables", "-t", "nat", "-S")).Stdout);
            await Task.Delay(1000); // orchd is down
            await c.StartAsync(1);
            await Eventually.MatchAsync(() => BackendsAsync(c, 1), bs => bs.Count == 1 && bs[0].GetProperty("KernelPath").GetBoolean(),
                "n1's kernel path is back", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
            await Task.Delay(1000);
            await pumping.CancelAsync();
            var rounds = await pump;
            Assert.True(rounds > 50, $"{rounds} round trips");
            await open.RoundTripAsync(sent[2097152..3145728]); // the same connection after the restart, 1 MiB more
            Assert.Equal(0, await open.CloseAsync()); // then a clean close: end-of-stream, no reset, nothing extra
        }
        Assert.Contains("kept the forwarding fast path of an earlier run on eth0", c.Log(1));
        Assert.Contains("kernel rules left by an earlier run are replaced by the first sync", c.Log(1));
        // Exactly one filter and one set of jumps: the restart replaced, not added.
        Assert.Single(Lines((await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout, "lb_fastpath"));
        Assert.Single(Lines((await c.InNodeAsync(1, "iptables", "-t", "nat", "-S", "PREROUTING")).Stdout, ":lb\""));
        var again = await EchoAsync(c.Address(1), sent[..65536]);
        Assert.Equal(SHA256.HashData(sent[..65536]), SHA256.HashData(again));

        // Killed with it attached, started again without it (--lb-fastpath off): that start removes it.
        await c.KillAsync(1);
        await c.StartAsync(1, "--lb-fastpath off");
        Assert.Contains("removed the forwarding fast path left by an earlier run", c.Log(1));
        Assert.DoesNotContain("bpf", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
        Assert.Equal("0", (await c.InNodeAsync(1, "cat", "/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal")).Stdout.Trim());
        await Eventually.MatchAsync(() => BackendsAsync(c, 1), bs => bs.Count == 1 && bs[0].GetProperty("KernelPath").GetBoolean(),
            "n1's kernel path is back, without the fast path", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        var plain = await EchoAsync(c.Address(1), sent[..65536]);
        Assert.Equal(SHA256.HashData(sent[..65536]), SHA256.HashData(plain));
        await c.StopAsync(1);
        Assert.DoesNotContain("bpf", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
        Assert.Equal("0", (await c.InNodeAsync(1, "cat", "/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal")).Stdout.Trim());
    }

    [Fact]
    public async Task ShortConnections_OnlyTheHandshakeTakesTheStack_TheEntryEndsWithTheConnection_AReusedPortIsBalancedAfresh()
    {
        await using var c = await TestCluster.UpAsync(3);
        await Services.ImportBusyboxAsync(c);
        // Two tasks, neither on n1: every connection through n1 is forwarded to another node.
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "who", "--replicas", "2", "--constraint", "node.hostname!=n1",
            "-p", $"{Port}:{Port}", "busybox", "sh", "-c",
            $"mkdir -p /srv && hostname > /srv/index.html && trap 'exit 0' TERM; httpd -f -p {Port} -h /srv & wait"]);
        await Services.RunningAsync(c, 1, "who", 2);
        await Eventually.MatchAsync(() => BackendsAsync(c, 1, "who"), bs => bs.Count == 2 && bs.All(b => b.GetProperty("KernelPath").GetBoolean()),
            "n1's kernel path has rules for both tasks", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        await Web.GetAsync(c.Address(1), Port); // neighbours resolved: from here the fast path can take every packet after the SYN-ACK

        // 20 HTTP/1.0 requests, a connection each (~10 packets: handshake, request, answer, both FINs and their ACKs):
        // n1's IP stack forwards the SYN and the SYN-ACK of each, the fast path the rest.
        const int N = 20;
        var stackBefore = await ForwardedByStackAsync(c, 1);
        var fastBefore = (await BackendsAsync(c, 1, "who")).Sum(b => b.GetProperty("ForwardedPackets").GetInt64());
        var answers = new HashSet<string>();
        for (var i = 0; i < N; i++)
        {
            answers.Add(await Web.GetAsync(c.Address(1), Port));
        }
        Assert.Equal(2, answers.Count(a => a.Length > 0)); // each task's hostname
        var byStack = await ForwardedByStackAsync(c, 1) - stackBefore;
        var byFastPath = (await BackendsAsync(c, 1, "who")).Sum(b => b.GetProperty("ForwardedPackets").GetInt64()) - fastBefore;
        Assert.True(byStack <= 3 * N, $"n1's IP stack forwarded {byStack} packets of {N} connections (the fast path {byFastPath})");
        Assert.True(byFastPath >= 5 * N, $"the fast path forwarded {byFastPath} packets of {N} connections (n1's IP stack {byStack})");

        // One client port, twice: the second connection is a new one to the balancer (the other task, in turn), not the
        // first one's conntrack entry reused (which would send it to the same task, drained or not); and the first
        // one's entry did not outlive its close by more than conntrack's CLOSE timeout.
        var localPort = FreePort();
        var first = await GetFromAsync(c.Address(1), localPort);
        var entry = await EntryAsync(c, 1, localPort);
        Assert.True(entry.Timeout is > 0 and <= 10, $"n1's entry of the closed connection: {entry.Line}");
        var second = await GetFromAsync(c.Address(1), localPort);
        Assert.Contains(first, answers);
        Assert.Contains(second, answers);
        Assert.True(first != second, $"both connections from port {localPort} reached {first}");
    }

    /// <summary>
    /// An upgrade that changes the counter map: n1's mount namespace still holds the map an earlier build pinned with
    /// another layout (as it would when orchd runs in the host's, where pins outlive it). tc refuses to load this build's
    /// program against it; orchd removes that pin, loads again, and the fast path carries and counts as before.
    /// </summary>
    [Fact]
    public async Task AnEarlierBuildsPinnedCounterMap_OfAnotherLayout_IsReplaced_AndTheFastPathAttaches()
    {
        await using var c = await TestCluster.UpAsync(2);
        await Services.ImportBusyboxAsync(c);
        var dir = Directory.CreateTempSubdirectory("orch-oldpin-");
        try
        {
            // An earlier build's program: a counter map of the same name, keyed and sized otherwise.
            var source = Path.Combine(dir.FullName, "old.c");
            await File.WriteAllTextAsync(source, """
                #include <linux/bpf.h>
                #include <linux/pkt_cls.h>
                #include <bpf/bpf_helpers.h>
                struct {
                    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
                    __uint(max_entries, 64);
                    __type(key, __u32);
                    __type(value, __u64);
                    __uint(pinning, LIBBPF_PIN_BY_NAME);
                } orch_lb_fwd SEC(".maps");
                SEC("tc") int old(struct __sk_buff *skb) { __u32 k = 0; bpf_map_lookup_elem(&orch_lb_fwd, &k); return TC_ACT_OK; }
                char LICENSE[] SEC("license") = "GPL";
                """);
            var multiarch = (await Must("gcc", "-print-multiarch")).Trim();
            var obj = Path.Combine(dir.FullName, "old.o");
            await Must("clang", "-O2", "-g", "-target", "bpf", $"-I/usr/include/{multiarch}", "-c", source, "-o", obj);
            // Loaded once by tc in orchd's own mount and network namespace (on a veth pair made for it), which pins the map.
            var pid = (await c.ScriptAsync("pid", "1")).Stdout.Trim();
            Assert.True(int.TryParse(pid, out _), $"n1's orchd pid: '{pid}'");
            await Must("nsenter", "-t", pid, "-m", "-n", "sh", "-ec",
                $"ip link add orchold0 type veth peer name orchold1; tc qdisc add dev orchold0 clsact; " +
                $"tc filter add dev orchold0 ingress bpf da obj {obj} sec tc; ip link del orchold0; test -e /sys/fs/bpf/tc/globals/orch_lb_fwd");

            await EchoOnN2ThroughN1sFastPathAsync(c);
            Assert.Contains("the pinned counter map of the forwarding fast path does not fit this build's program", c.Log(1));
            Assert.DoesNotContain("no forwarding fast path", c.Log(1));

            var sent = RandomNumberGenerator.GetBytes(1 << 20);
            var echoed = await EchoAsync(c.Address(1), sent);
            Assert.Equal(SHA256.HashData(sent), SHA256.HashData(echoed));
            var forwarded = (await BackendsAsync(c, 1)).Single().GetProperty("ForwardedPackets").GetInt64();
            Assert.True(forwarded > 20, $"the fast path carried (and its new map counted) {forwarded} packets of a 1 MiB echo");
        }
        finally
        {
            dir.Delete(recursive: true);
        }

        static async Task<string> Must(string file, params string[] args)
        {
            var r = await ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0, r.ToString());
            return r.Stdout;
        }
    }

    /// <summary>The echo service's one task on n2, n1's kernel path DNATing to it and n1's fast path attached.</summary>
    private static async Task EchoOnN2ThroughN1sFastPathAsync(TestCluster c)
    {
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "echo", "--replicas", "1", "--constraint", "node.hostname==n2",
            "-p", $"{Port}:{Port}", "busybox", .. Echo]);
        await Services.RunningAsync(c, 1, "echo", 1);
        await Eventually.MatchAsync(() => BackendsAsync(c, 1), bs => bs.Count == 1 && bs[0].GetProperty("KernelPath").GetBoolean(),
            "n1's kernel path has a rule for the task on n2", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        Assert.Contains("pref 28530", (await c.InNodeAsync(1, "tc", "filter", "show", "dev", "eth0", "ingress")).Stdout);
    }

    /// <summary>Packets node K's IP stack forwarded (Ip ForwDatagrams of its network namespace).</summary>
    private static async Task<long> ForwardedByStackAsync(TestCluster c, int k)
    {
        var lines = (await c.InNodeAsync(k, "cat", "/proc/net/snmp")).Stdout.Split('\n').Where(l => l.StartsWith("Ip: ", StringComparison.Ordinal)).ToArray();
        var names = lines[0].Split(' ');
        return long.Parse(lines[1].Split(' ')[Array.IndexOf(names, "ForwDatagrams")], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Node K's conntrack entry of the connection from the client port (its remaining seconds and the line).</summary>
    private static async Task<(int Timeout, string Line)> EntryAsync(TestCluster c, int k, int clientPort)
    {
        var line = (await c.InNodeAsync(k, "cat", "/proc/net/nf_conntrack")).Stdout.Split('\n')
            .FirstOrDefault(l => l.Contains($" sport={clientPort} dport={Port} ", StringComparison.Ordinal)) ?? "";
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (f.Length > 4 ? int.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture) : -1, line);
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0));
        return ((System.Net.IPEndPoint)s.LocalEndPoint!).Port;
    }

    /// <summary>GET / from a fixed client port (HTTP/1.0: the server closes first, so the port is free again at once;
    /// the connect is retried while this host still holds the previous connection's socket).</summary>
    private static async Task<string> GetFromAsync(string node, int localPort)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            try
            {
                s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Any, localPort));
                await s.ConnectAsync(node, Port, cts.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable)
            {
                await Task.Delay(100, cts.Token);
                continue;
            }
            await s.SendAsync(System.Text.Encoding.ASCII.GetBytes($"GET / HTTP/1.0\r\nHost: {node}\r\n\r\n"), SocketFlags.None, cts.Token);
            var response = new MemoryStream();
            var buf = new byte[4096];
            int n;
            while ((n = await s.ReceiveAsync(buf, SocketFlags.None, cts.Token)) > 0)
            {
                response.Write(buf, 0, n);
            }
            var text = System.Text.Encoding.ASCII.GetString(response.ToArray());
            var body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            return body < 0 ? "" : text[(body + 4)..].Trim();
        }
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

    private static List<string> Lines(string text, string containing) =>
        [.. text.Split('\n').Where(l => l.Contains(containing, StringComparison.Ordinal))];

    /// <summary>One echo connection kept open across steps: each round trip sends a chunk and reads its echo back.</summary>
    private sealed class OpenEcho : IAsyncDisposable
    {
        private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public static async Task<OpenEcho> ConnectAsync(string node)
        {
            var e = new OpenEcho();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await e.socket.ConnectAsync(node, Port, cts.Token);
            return e;
        }

        public async Task RoundTripAsync(byte[] chunk)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var echoed = new MemoryStream();
            var reader = Task.Run(async () =>
            {
                var buf = new byte[65536];
                while (echoed.Length < chunk.Length)
                {
                    var n = await socket.ReceiveAsync(buf.AsMemory(0, (int)Math.Min(buf.Length, chunk.Length - echoed.Length)), SocketFlags.None, cts.Token);
                    if (n == 0)
                    {
                        throw new IOException($"end-of-stream after {echoed.Length} of {chunk.Length} bytes");
                    }
                    echoed.Write(buf, 0, n);
                }
            }, cts.Token);
            for (var off = 0; off < chunk.Length; off += 16384)
            {
                await socket.SendAsync(chunk.AsMemory(off, Math.Min(16384, chunk.Length - off)), SocketFlags.None, cts.Token);
            }
            await reader;
            Assert.Equal(SHA256.HashData(chunk), SHA256.HashData(echoed.ToArray()));
        }

        /// <summary>Half-closes and reads to end-of-stream; returns how many bytes came after (0 when the close was clean).</summary>
        public async Task<int> CloseAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            socket.Shutdown(SocketShutdown.Send);
            var buf = new byte[4096];
            var extra = 0;
            int n;
            while ((n = await socket.ReceiveAsync(buf, SocketFlags.None, cts.Token)) > 0)
            {
                extra += n;
            }
            return extra;
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private static Task<List<JsonElement>> BackendsAsync(TestCluster c, int k, string service = "echo") => LoadBalancerTests.BackendsAsync(c, k, service);
}
