using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Orch.Api.V1.Objects;
using Task = System.Threading.Tasks.Task;

namespace Orch.LoadBalancer.Tests;

/// <summary>The balancer with real sockets on loopback: backends are small servers of this test.</summary>
public sealed class LoadBalancerTests : IAsyncLifetime
{
    private readonly List<TcpListener> servers = [];
    private readonly CancellationTokenSource stop = new();
    private readonly LoadBalancer lb = new(new LoadBalancerOptions { ListenAddress = IPAddress.Loopback }, TimeProvider.System, NullLogger<LoadBalancer>.Instance);

    /// <summary>A backend that answers its name (and, with <paramref name="proxy"/>, the client address the PROXY v2 header carried) and closes.</summary>
    private int Server(string name, bool proxy = false)
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        servers.Add(l);
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var c = await l.AcceptTcpClientAsync(stop.Token);
                var s = c.GetStream();
                var answer = name;
                if (proxy)
                {
                    var h = new byte[28];
                    await s.ReadExactlyAsync(h, stop.Token);
                    var src = new IPAddress(h.AsSpan(16, 4));
                    answer += $" from {src}:{(h[24] << 8) | h[25]}";
                }
                await s.WriteAsync(Encoding.ASCII.GetBytes(answer), stop.Token);
            }
        });
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static EndpointTable Table(int published, string proxy, params (string Task, int Port)[] backends)
    {
        var e = new ServiceEndpoint { ServiceId = "s1", ServiceName = "web", PublishedPort = (uint)published, TargetPort = 80, ProxyProtocol = proxy };
        foreach (var (task, port) in backends)
        {
            e.Backends.Add(new EndpointBackend { TaskId = task, NodeId = "n1", Address = "127.0.0.1", Port = (uint)port, Healthy = true });
        }
        return new EndpointTable { Endpoints = { e } };
    }

    private static async Task<string> AskAsync(int port)
    {
        using var c = new TcpClient();
        await c.ConnectAsync(IPAddress.Loopback, port);
        using var r = new StreamReader(c.GetStream());
        return await r.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Apply_ThreeBackends_ThirtyConnectionsTenEach()
    {
        var port = FreePort();
        lb.Apply(Table(port, "", ("a", Server("a")), ("b", Server("b")), ("c", Server("c"))));

        var answers = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            answers.Add(await AskAsync(port));
        }

        Assert.Equal(["a", "b", "c"], answers.Distinct().Order());
        Assert.All(answers.GroupBy(a => a), g => Assert.Equal(10, g.Count()));
        var stats = lb.Stats("s1");
        Assert.All(stats.Ports.Single().Backends, b => Assert.Equal(10UL, b.Connections));
        Assert.All(stats.Ports.Single().Backends, b => Assert.Equal(10UL, b.BytesOut)); // one byte per answer
    }

    [Fact]
    public async Task Connect_BackendRefuses_NextBackendServesAndFailureIsCounted()
    {
        var port = FreePort();
        var dead = FreePort(); // nothing listens there: connect is refused
        lb.Apply(Table(port, "", ("a-dead", dead), ("b", Server("b"))));

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("b", await AskAsync(port));
        }

        var backends = lb.Stats().Ports.Single().Backends;
        Assert.True(backends.Single(b => b.TaskId == "a-dead").Failures >= 1);
        Assert.Equal(6UL, backends.Single(b => b.TaskId == "b").Connections);
    }

    [Fact]
    public async Task Apply_BackendDraining_GetsNoNewConnection()
    {
        var port = FreePort();
        var table = Table(port, "", ("a", Server("a")), ("b", Server("b")));
        lb.Apply(table);
        table.Endpoints[0].Backends[0].Draining = true;
        lb.Apply(table);

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal("b", await AskAsync(port));
        }
    }

    [Fact]
    public async Task ProxyProtocolV2_BackendSeesClientAddress()
    {
        var port = FreePort();
        lb.Apply(Table(port, "v2", ("a", Server("a", proxy: true))));

        using var c = new TcpClient();
        await c.ConnectAsync(IPAddress.Loopback, port);
        var local = (IPEndPoint)c.Client.LocalEndPoint!;
        using var r = new StreamReader(c.GetStream());
        var answer = await r.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal($"a from 127.0.0.1:{local.Port}", answer);
    }

    [Fact]
    public async Task Apply_PortLeavesTable_ListenerCloses()
    {
        var port = FreePort();
        lb.Apply(Table(port, "", ("a", Server("a"))));
        Assert.Equal("a", await AskAsync(port));

        lb.Apply(new EndpointTable());

        var e = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await AskAsync(port); // closing is asynchronous: refused within a few tries
                await Task.Delay(100);
            }
        });
        // Refused, or reset while reading: a connection that reached the accept queue just before the listener closed
        // is reset with it (the kernel's doing; it was never forwarded).
        Assert.True(e is SocketException or IOException { InnerException: SocketException }, e.ToString());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await lb.DisposeAsync();
        await stop.CancelAsync();
        servers.ForEach(s => s.Stop());
    }
}
