using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Orch.Api.V1.Objects;
using Task = System.Threading.Tasks.Task;

namespace Orch.LoadBalancer.Tests;

/// <summary>
/// What the agent confirms to the dispatcher (issue 6's drain): <see cref="LoadBalancer.ApplyAsync"/> completes only
/// once the kernel rules follow the table, not when the table was merely handed over.
/// </summary>
public sealed class ApplyAsyncTests
{
    /// <summary>iptables in memory; each restore waits until the test lets it through.</summary>
    private sealed class GatedIptables : IIptables
    {
        public TaskCompletionSource Gate { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<string> Restored { get; } = [];

        public Task<string> SaveAsync(CancellationToken ct) => Task.FromResult("");

        public async Task RestoreAsync(string script, CancellationToken ct)
        {
            await Gate.Task.WaitAsync(ct);
            lock (Restored)
            {
                Restored.Add(script);
            }
        }
    }

    private sealed class OneLocalTask : ILocalTasks
    {
        public string NodeId => "n1";
        public (bool Withdrawn, IPAddress? Address) Task(string taskId) => taskId == "t1" ? (false, IPAddress.Parse("10.88.0.5")) : (false, null);
        public event Action? Changed { add { } remove { } }
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static EndpointTable Table(int port, bool draining) => new()
    {
        Endpoints =
        {
            new ServiceEndpoint
            {
                ServiceId = "s1",
                ServiceName = "web",
                Protocol = PortProtocol.Tcp,
                PublishedPort = (uint)port,
                TargetPort = 80,
                Backends = { new EndpointBackend { TaskId = "t1", NodeId = "n1", Address = "10.0.0.1", Port = 30001, Healthy = true, Draining = draining } },
            },
        },
    };

    [Fact]
    public async Task ApplyAsync_CompletesOnlyAfterTheKernelRulesFollowTheTable()
    {
        var iptables = new GatedIptables();
        await using var lb = new LoadBalancer(new LoadBalancerOptions
        {
            ListenAddress = IPAddress.Loopback,
            Kernel = new KernelPathOptions { ChainPrefix = "ORCHT", Comment = "orch:test", Iptables = iptables, LocalTasks = new OneLocalTask(), RemoteTasks = false },
        }, TimeProvider.System, NullLogger<LoadBalancer>.Instance);
        await lb.StartAsync(CancellationToken.None);
        var port = FreePort();

        iptables.Gate.SetResult(); // StartAsync's teardown of stale rules found none; the first table goes through
        await lb.ApplyAsync(Table(port, draining: false), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        int before;
        lock (iptables.Restored)
        {
            before = iptables.Restored.Count;
            Assert.Contains(iptables.Restored, s => s.Contains("10.88.0.5:80", StringComparison.Ordinal));
        }

        iptables.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var draining = lb.ApplyAsync(Table(port, draining: true), CancellationToken.None);
        await Task.Delay(300);
        Assert.False(draining.IsCompleted); // the rule that still sends it connections is not replaced yet
        iptables.Gate.SetResult();
        await draining.WaitAsync(TimeSpan.FromSeconds(30));
        lock (iptables.Restored)
        {
            Assert.True(iptables.Restored.Count > before);
            Assert.DoesNotContain("10.88.0.5:80", iptables.Restored[^1], StringComparison.Ordinal);
        }

        // Nothing to change: answered at once all the same.
        await lb.ApplyAsync(Table(port, draining: true), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
