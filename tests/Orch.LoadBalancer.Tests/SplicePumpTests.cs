using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.LoadBalancer.Splice;
using Task = System.Threading.Tasks.Task;

namespace Orch.LoadBalancer.Tests;

/// <summary>
/// The splice data path with real sockets on loopback: content, half-close, resets, many
/// connections, counters, and that every fd it opened is closed again.
/// </summary>
public sealed class SplicePumpTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly CancellationTokenSource stop = new();
    private readonly List<Socket> servers = [];
    private readonly LoadBalancer lb = new(new LoadBalancerOptions { ListenAddress = IPAddress.Loopback }, TimeProvider.System, NullLogger<LoadBalancer>.Instance);

    /// <summary>A backend that runs <paramref name="serve"/> on every accepted connection, then closes it.</summary>
    private int Backend(Func<Socket, Task> serve)
    {
        var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(512);
        servers.Add(l);
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Socket c;
                try
                {
                    c = await l.AcceptAsync(stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = Task.Run(async () =>
                {
                    using (c)
                    {
                        try
                        {
                            await serve(c);
                        }
                        catch (Exception e) when (e is SocketException or OperationCanceledException)
                        {
                        }
                    }
                });
            }
        });
        return ((IPEndPoint)l.LocalEndPoint!).Port;
    }

    /// <summary>Echoes everything until the client's FIN, then sends its own FIN.</summary>
    private static async Task EchoAsync(Socket c)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await c.ReceiveAsync(buffer)) > 0)
        {
            await c.SendAsync(buffer.AsMemory(0, n));
        }
        c.Shutdown(SocketShutdown.Send);
    }

    private int Publish(int backendPort)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Dispose();
        var e = new ServiceEndpoint { ServiceId = "s1", ServiceName = "web", PublishedPort = (uint)port, TargetPort = 80 };
        e.Backends.Add(new EndpointBackend { TaskId = "t1", NodeId = "n1", Address = "127.0.0.1", Port = (uint)backendPort, Healthy = true });
        lb.Apply(new EndpointTable { Endpoints = { e } });
        return port;
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await s.ConnectAsync(IPAddress.Loopback, port);
        return s;
    }

    /// <summary>Sends <paramref name="data"/>, half-closes, and reads everything until the peer's FIN.</summary>
    private static async Task<byte[]> RoundTripAsync(Socket s, byte[] data)
    {
        var sending = Task.Run(async () =>
        {
            for (var off = 0; off < data.Length; off += 48 * 1024)
            {
                await s.SendAsync(data.AsMemory(off, Math.Min(48 * 1024, data.Length - off)));
            }
            s.Shutdown(SocketShutdown.Send);
        });
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await s.ReceiveAsync(buffer)) > 0)
        {
            received.Write(buffer, 0, n);
        }
        await sending;
        return received.ToArray();
    }

    private BackendStats Stats() => lb.Stats("s1").Ports.Single().Backends.Single();

    private static async Task EventuallyAsync(Func<bool> condition, Func<string> seen, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"{what} did not happen within {Deadline.TotalSeconds} s; seen: {seen()}");
            await Task.Delay(50);
        }
    }

    /// <summary>Open sockets, pipes and anon inodes (epoll, eventfd): what the balancer can leak. Files the runtime maps later (assemblies, pdbs) do not count.</summary>
    private static int OpenFds() => Directory.GetFiles("/proc/self/fd").Count(f =>
    {
        try
        {
            return new FileInfo(f).LinkTarget is { } t && (t.StartsWith("socket:", StringComparison.Ordinal) || t.StartsWith("pipe:", StringComparison.Ordinal) || t.StartsWith("anon_inode:", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    });

    /// <summary>What the open fds are, by kind (socket, pipe, anon_inode:[eventpoll] …), for failure messages.</summary>
    private static string FdKinds() => string.Join(", ", Directory.GetFiles("/proc/self/fd")
        .Select(f => { try { return new FileInfo(f).LinkTarget?.Split(':')[0] ?? "?"; } catch (IOException) { return "gone"; } })
        .Where(k => k is "socket" or "pipe" or "anon_inode")
        .GroupBy(k => k).Select(g => $"{g.Count()} {g.Key}"));

    /// <summary>For each epoll instance of this process, the inodes of the files it watches (/proc/self/fdinfo, "ino:" in hex).</summary>
    private static List<HashSet<string>> EpollWatchSets()
    {
        var sets = new List<HashSet<string>>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
                if (target != "anon_inode:[eventpoll]")
                {
                    continue;
                }
                sets.Add([.. File.ReadAllLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}")
                    .Where(l => l.StartsWith("tfd:", StringComparison.Ordinal))
                    .Select(l => l.Split("ino:")[1].Split(' ')[0])]);
            }
            catch (IOException)
            {
                // closed meanwhile
            }
        }
        return sets;
    }

    [Fact]
    public async Task Splice_LargeTransferBothWays_ContentIntactCountedAndClosed()
    {
        var port = Publish(Backend(EchoAsync));
        var data = RandomNumberGenerator.GetBytes(24 * 1024 * 1024 + 17);

        using var s = await ConnectAsync(port);
        var back = await RoundTripAsync(s, data).WaitAsync(Deadline);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(back));
        await EventuallyAsync(() => Stats().Active == 0, () => $"{Stats().Active} open", "the connection closing");
        Assert.Equal((ulong)data.Length, Stats().BytesIn);
        Assert.Equal((ulong)data.Length, Stats().BytesOut);
        Assert.Equal(1UL, Stats().Connections);
    }

    [Fact]
    public async Task Splice_TaskHalfClosesFirst_ClientSeesEofAndCanStillSend()
    {
        var got = new TaskCompletionSource<string>();
        var port = Publish(Backend(async c =>
        {
            await c.SendAsync("hello"u8.ToArray());
            c.Shutdown(SocketShutdown.Send); // the task is done talking, still listening
            var buffer = new byte[100];
            var text = "";
            int n;
            while ((n = await c.ReceiveAsync(buffer)) > 0)
            {
                text += System.Text.Encoding.ASCII.GetString(buffer, 0, n);
            }
            got.SetResult(text);
        }));

        using var s = await ConnectAsync(port);
        var buffer = new byte[100];
        var first = await s.ReceiveAsync(buffer).WaitAsync(Deadline);
        var eof = await s.ReceiveAsync(buffer.AsMemory(first)).AsTask().WaitAsync(Deadline);
        await s.SendAsync("after your FIN"u8.ToArray());
        s.Shutdown(SocketShutdown.Send);

        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(buffer, 0, first));
        Assert.Equal(0, eof);
        Assert.Equal("after your FIN", await got.Task.WaitAsync(Deadline));
        await EventuallyAsync(() => Stats().Active == 0, () => $"{Stats().Active} open", "the connection closing");
    }

    [Fact]
    public async Task Splice_TaskResets_ClientSeesReset()
    {
        var port = Publish(Backend(async c =>
        {
            var buffer = new byte[100];
            _ = await c.ReceiveAsync(buffer);
            c.LingerState = new LingerOption(true, 0);
            c.Close(); // RST
        }));

        using var s = await ConnectAsync(port);
        await s.SendAsync("x"u8.ToArray());
        var e = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            var buffer = new byte[100];
            while (await s.ReceiveAsync(buffer).WaitAsync(Deadline) > 0)
            {
            }
        });

        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        await EventuallyAsync(() => Stats().Active == 0, () => $"{Stats().Active} open", "the connection closing");
    }

    [Fact]
    public async Task Splice_ClientResets_TaskSeesReset()
    {
        var seen = new TaskCompletionSource<SocketError>();
        var port = Publish(Backend(async c =>
        {
            var buffer = new byte[100];
            try
            {
                while (await c.ReceiveAsync(buffer) > 0)
                {
                }
                seen.SetResult(SocketError.Success);
            }
            catch (SocketException e)
            {
                seen.SetResult(e.SocketErrorCode);
            }
        }));

        var s = await ConnectAsync(port);
        await s.SendAsync("x"u8.ToArray());
        await EventuallyAsync(() => Stats().BytesIn == 1, () => $"{Stats().BytesIn} bytes in", "the byte reaching the task");
        s.LingerState = new LingerOption(true, 0);
        s.Close();

        Assert.Equal(SocketError.ConnectionReset, await seen.Task.WaitAsync(Deadline));
        await EventuallyAsync(() => Stats().Active == 0, () => $"{Stats().Active} open", "the connection closing");
    }

    [Fact]
    public async Task Splice_TwoHundredConcurrentConnections_AllIntactCountedAndNoFdLeft()
    {
        var port = Publish(Backend(EchoAsync));
        using (var warm = await ConnectAsync(port)) // the pump's threads and their fds exist from here on
        {
            await RoundTripAsync(warm, [1]);
        }
        await EventuallyAsync(() => Stats().Active == 0, () => $"{Stats().Active} open", "the warm-up connection closing");
        var before = OpenFds();
        var kindsBefore = FdKinds();

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var data = RandomNumberGenerator.GetBytes(64 * 1024 + i);
            using var s = await ConnectAsync(port);
            return (data, back: await RoundTripAsync(s, data));
        })).WaitAsync(Deadline);

        Assert.All(results, r => Assert.Equal(SHA256.HashData(r.data), SHA256.HashData(r.back)));
        await EventuallyAsync(() => Stats().Active == 0 && SplicePump.Shared.Count == 0, () => $"{Stats().Active} open", "all connections closing");
        var expected = (ulong)results.Sum(r => r.data.Length) + 1;
        Assert.Equal(expected, Stats().BytesIn);
        Assert.Equal(expected, Stats().BytesOut);
        Assert.Equal(201UL, Stats().Connections);
        // The backend's sockets close on their own thread-pool tasks: wait for the count, then compare.
        await EventuallyAsync(() => OpenFds() <= before, () => $"{OpenFds()} fds open ({FdKinds()}), {before} before ({kindsBefore})", "every fd closing");
    }

    [Fact]
    public async Task Dispose_OpenConnections_AreResetAndFdsClosed()
    {
        var port = Publish(Backend(EchoAsync));
        using (var warm = await ConnectAsync(port))
        {
            await RoundTripAsync(warm, [1]);
        }
        await EventuallyAsync(() => Stats().Active == 0, () => $"{Stats().Active} open", "the warm-up connection closing");
        var before = OpenFds();
        var kindsBefore = FdKinds();
        var open = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => ConnectAsync(port)));
        foreach (var s in open)
        {
            await s.SendAsync("x"u8.ToArray());
            Assert.Equal(1, await s.ReceiveAsync(new byte[10]).WaitAsync(Deadline));
        }

        // .NET's socket engine and the pump never watch the same socket (an event for a pumped
        // socket would cost .NET a thread-pool wakeup, and two owners could close it twice).
        // .NET's set is the one with this test's own client sockets in it (they ran async operations).
        var sets = EpollWatchSets();
        var link = new FileInfo($"/proc/self/fd/{open[0].SafeHandle.DangerousGetHandle()}").LinkTarget!; // socket:[INODE]
        var clientInode = long.Parse(link["socket:[".Length..^1]).ToString("x");
        var dotnet = Assert.Single(sets, w => w.Contains(clientInode));
        var pumped = sets.Where(w => w != dotnet).SelectMany(w => w).ToHashSet();
        Assert.True(pumped.Count >= 41, $"expected the pump to watch 20 connections' 40 sockets and the listener, saw {pumped.Count} files");
        Assert.Empty(dotnet.Intersect(pumped));

        await lb.DisposeAsync();

        foreach (var s in open)
        {
            var e = await Assert.ThrowsAsync<SocketException>(async () => await s.ReceiveAsync(new byte[10]).WaitAsync(Deadline));
            Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            s.Dispose();
        }
        await EventuallyAsync(() => SplicePump.Shared.Count == 0, () => $"{SplicePump.Shared.Count} in the pump", "the pump letting go");
        // The listener closed too (-1 fd), and the backends' sockets close on their own.
        await EventuallyAsync(() => OpenFds() <= before - 1, () => $"{OpenFds()} fds open ({FdKinds()}), {before} before ({kindsBefore})", "every fd closing");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await lb.DisposeAsync();
        await stop.CancelAsync();
        servers.ForEach(s => s.Dispose());
    }
}
