using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.LoadBalancer.Kernel;

namespace Orch.LoadBalancer;

/// <summary>
/// This node's routing mesh: serves the newest endpoint table the dispatcher pushed. Each
/// ingress-published port gets a listener on every address of the node (TCP or UDP) that spreads
/// new connections round-robin over the port's healthy, non-draining backends on any node.
/// A table that drops a port closes its listener (open connections run on); one that drops a
/// backend stops new connections to it at once. A port that cannot be bound (a host process
/// holds it) is retried with every later table and shows in the stats with the error.
/// With <see cref="LoadBalancerOptions.Kernel"/>, new connections arriving at this node's addresses are DNATed by
/// the kernel: straight to the containers of this node's tasks, and to NODE:HOSTPORT (masqueraded) for tasks on
/// other nodes (<see cref="KernelPlan"/>); the listener serves loopback arrivals, PROXY-protocol and UDP ports.
/// </summary>
public sealed partial class LoadBalancer : IAsyncDisposable
{
    private readonly LoadBalancerOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<LoadBalancer> logger;
    private readonly Lock gate = new();
    private readonly Dictionary<(PortProtocol, uint), Listener> listeners = [];
    private readonly KernelPath? kernel;

    public LoadBalancer(LoadBalancerOptions options, TimeProvider time, ILogger<LoadBalancer> logger)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        if (options.Kernel is { } k)
        {
            kernel = new KernelPath(k, KernelWanted, KernelApplied, NodeUnanswered, time, logger);
            k.LocalTasks.Changed += LocalTasksChanged;
        }
    }

    /// <summary>Removes kernel rules a killed daemon left (kernel path only); call once before the first table.</summary>
    public System.Threading.Tasks.Task StartAsync(CancellationToken ct) => kernel?.StartAsync(ct) ?? System.Threading.Tasks.Task.CompletedTask;

    private sealed class Listener(BackendPool pool)
    {
        public BackendPool Pool { get; } = pool;
        public IAsyncDisposable? Forwarder { get; set; }
        public string Error { get; set; } = "";
    }

    public void Apply(EndpointTable table)
    {
        var closing = new List<IAsyncDisposable>();
        lock (gate)
        {
            var wanted = table.Endpoints.ToDictionary(e => (e.Protocol, e.PublishedPort));
            foreach (var (key, l) in listeners.Where(l => !wanted.ContainsKey(l.Key)).ToList())
            {
                listeners.Remove(key);
                if (l.Forwarder is not null)
                {
                    closing.Add(l.Forwarder);
                }
                LogClosed(key.Item1.ToString(), key.Item2);
            }
            foreach (var (key, endpoint) in wanted)
            {
                if (!listeners.TryGetValue(key, out var l))
                {
                    l = new Listener(new BackendPool(time) { Suspected = () => kernel?.Request() });
                    listeners[key] = l;
                }
                l.Pool.Update(endpoint);
                if (l.Forwarder is null)
                {
                    Open(key, l, endpoint);
                }
            }
            MarkWithdrawn();
        }
        kernel?.Request();
        foreach (var c in closing)
        {
            _ = c.DisposeAsync().AsTask();
        }
    }

    /// <summary>
    /// <see cref="Apply"/>, then completes once the table is served in full: the user-space pools follow it at once, the
    /// kernel rules once they are synced (what the agent confirms to the dispatcher, so that a draining task is stopped
    /// only when no balancer sends it new connections).
    /// </summary>
    public System.Threading.Tasks.Task ApplyAsync(EndpointTable table, CancellationToken ct)
    {
        Apply(table);
        return kernel?.SyncedAsync(ct) ?? System.Threading.Tasks.Task.CompletedTask;
    }

    private void Open((PortProtocol Protocol, uint Port) key, Listener l, ServiceEndpoint endpoint)
    {
        try
        {
            l.Forwarder = key.Protocol == PortProtocol.Udp
                ? new UdpForwarder((int)key.Port, l.Pool, options, logger)
                : new TcpForwarder((int)key.Port, l.Pool, options, logger);
            l.Error = "";
            LogListening(endpoint.ServiceName, key.Protocol.ToString(), key.Port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            if (l.Error != e.Message)
            {
                LogBindFailed(endpoint.ServiceName, key.Protocol.ToString(), key.Port, e.Message);
            }
            l.Error = e.Message;
        }
    }

    /// <summary>This node's counters for one service (all when <paramref name="serviceId"/> is empty), the kernel's included (one iptables-save -c).</summary>
    public async Task<LoadBalancerStats> StatsAsync(string serviceId, CancellationToken ct) =>
        Stats(serviceId, kernel is null ? null : await kernel.CountersAsync(ct));

    /// <summary>
    /// This node's counters for one service (all when <paramref name="serviceId"/> is empty). Without
    /// <paramref name="kernelCounters"/> the kernel's live counters are left out (only those of replaced rules count).
    /// </summary>
    public LoadBalancerStats Stats(string serviceId = "", IReadOnlyDictionary<string, (long Packets, long Bytes)>? kernelCounters = null)
    {
        var stats = new LoadBalancerStats();
        lock (gate)
        {
            foreach (var ((protocol, port), l) in listeners.OrderBy(l => l.Key.Item2))
            {
                var e = l.Pool.Endpoint;
                if (e is null || (serviceId.Length > 0 && e.ServiceId != serviceId))
                {
                    continue;
                }
                var p = new PortStats
                {
                    ServiceId = e.ServiceId,
                    ServiceName = e.ServiceName,
                    Protocol = protocol,
                    PublishedPort = port,
                    Listening = l.Forwarder is not null,
                    Error = l.Error,
                };
                foreach (var b in l.Pool.Backends)
                {
                    var key = KernelRules.ConnectionKey(protocol, port, b.TaskId);
                    var (kc, ki, ko) = b.KernelFolded;
                    var fwd = b.ForwardedFolded;
                    if (kernelCounters is not null)
                    {
                        fwd += kernelCounters.TryGetValue(key + KernelPath.ForwardedSuffix, out var f) ? f.Packets : 0;
                        kc += kernelCounters.TryGetValue(key, out var c) ? c.Packets : 0;
                        ki += kernelCounters.TryGetValue(key + "/in", out var i) ? i.Bytes : 0;
                        ko += kernelCounters.TryGetValue(key + "/out", out var o) ? o.Bytes : 0;
                    }
                    p.Backends.Add(new BackendStats
                    {
                        TaskId = b.TaskId,
                        NodeId = b.NodeId,
                        Address = b.EndPoint.ToString(),
                        Healthy = b.Healthy,
                        Draining = b.Draining || b.Withdrawn,
                        Connections = (ulong)(b.Connections + kc),
                        Active = (ulong)Math.Max(0, b.Active),
                        Failures = (ulong)b.Failures,
                        BytesIn = (ulong)(b.BytesIn + ki),
                        BytesOut = (ulong)(b.BytesOut + ko),
                        KernelConnections = (ulong)kc,
                        KernelPath = b.KernelHandled,
                        ForwardedPackets = (ulong)fwd,
                    });
                }
                stats.Ports.Add(p);
            }
        }
        return stats;
    }

    /// <summary>
    /// The kernel plan of every port that can take it: listening (the port is ours), no PROXY header (only user space
    /// writes one), TCP. A suspect backend (a connect failed, or its node left connections unanswered) is left out
    /// until its time runs out, which is when the plan changes by itself next.
    /// </summary>
    private KernelSnapshot KernelWanted()
    {
        var k = options.Kernel!;
        var local = k.LocalTasks;
        var node = local.NodeId;
        var now = time.GetUtcNow();
        DateTimeOffset? next = null;
        var ports = new Dictionary<(PortProtocol, uint), KernelPort>();
        var backends = new Dictionary<string, Backend>(StringComparer.Ordinal);
        lock (gate)
        {
            foreach (var ((protocol, port), l) in listeners)
            {
                var e = l.Pool.Endpoint;
                var all = l.Pool.Backends;
                foreach (var b in all)
                {
                    backends[KernelRules.ConnectionKey(protocol, port, b.TaskId)] = b;
                    if (b.SuspectUntil > now && (next is null || b.SuspectUntil < next))
                    {
                        next = b.SuspectUntil;
                    }
                }
                if (e is null || l.Forwarder is null || e.ProxyProtocol.Length > 0 || protocol != PortProtocol.Tcp || node.Length == 0)
                {
                    continue;
                }
                ports[(protocol, port)] = KernelPlan.Plan(protocol, port, e.TargetPort, [.. all.Select(b => new KernelCandidate(
                    b.TaskId, b.Healthy && !b.Draining && !b.Withdrawn && b.SuspectUntil <= now,
                    b.NodeId == node ? local.Task(b.TaskId).Address : null,
                    b.NodeId != node && k.RemoteTasks ? b.EndPoint : null))]);
            }
        }
        return new KernelSnapshot(ports, backends, next);
    }

    /// <summary>The SYN watch found the node of <paramref name="address"/> leaving new connections unanswered: its backends (every port) become suspect, as after a failed connect.</summary>
    private int NodeUnanswered(System.Net.IPAddress address)
    {
        var n = 0;
        lock (gate)
        {
            foreach (var l in listeners.Values)
            {
                foreach (var b in l.Pool.Backends.Where(b => b.EndPoint.Address.Equals(address)))
                {
                    l.Pool.MarkFailed(b); // its Request coalesces with the sync the SYN watch runs next
                    n++;
                }
            }
        }
        return n;
    }

    /// <summary>The kernel now serves <paramref name="ports"/>: user space leaves their local backends to it (for non-loopback arrivals).</summary>
    private void KernelApplied(IReadOnlyDictionary<(PortProtocol, uint), KernelPort> ports)
    {
        lock (gate)
        {
            foreach (var (key, l) in listeners)
            {
                var served = ports.TryGetValue(key, out var p) ? p.Targets.Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal) : [];
                foreach (var b in l.Pool.Backends)
                {
                    b.KernelHandled = served.Contains(b.TaskId);
                }
            }
        }
    }

    private void LocalTasksChanged()
    {
        lock (gate)
        {
            MarkWithdrawn();
        }
        kernel?.Request();
    }

    /// <summary>Local tasks the agent withdrew get no new connection from user space either, before the table says so (caller holds the gate).</summary>
    private void MarkWithdrawn()
    {
        if (options.Kernel?.LocalTasks is not { } local)
        {
            return;
        }
        var node = local.NodeId;
        foreach (var l in listeners.Values)
        {
            foreach (var b in l.Pool.Backends)
            {
                b.Withdrawn = node.Length > 0 && b.NodeId == node && local.Task(b.TaskId).Withdrawn;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (options.Kernel is { } k)
        {
            k.LocalTasks.Changed -= LocalTasksChanged;
        }
        if (kernel is not null)
        {
            await kernel.DisposeAsync(); // first: connections the kernel would DNAT now reach the listeners while they close
        }
        List<Listener> all;
        lock (gate)
        {
            all = [.. listeners.Values];
            listeners.Clear();
        }
        foreach (var l in all)
        {
            if (l.Forwarder is TcpForwarder tcp)
            {
                tcp.Abort();
            }
            if (l.Forwarder is not null)
            {
                await l.Forwarder.DisposeAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: service {Service} published on {Protocol} port {Port}")]
    private partial void LogListening(string service, string protocol, uint port);

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: {Protocol} port {Port} no longer published")]
    private partial void LogClosed(string protocol, uint port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: cannot listen for service {Service} on {Protocol} port {Port}: {Error}")]
    private partial void LogBindFailed(string service, string protocol, uint port, string error);
}
