using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Orch.Api.V1.Objects;

namespace Orch.LoadBalancer;

/// <summary>
/// This node's routing mesh: serves the newest endpoint table the dispatcher pushed. Each
/// ingress-published port gets a listener on every address of the node (TCP or UDP) that spreads
/// new connections round-robin over the port's healthy, non-draining backends on any node.
/// A table that drops a port closes its listener (open connections run on); one that drops a
/// backend stops new connections to it at once. A port that cannot be bound (a host process
/// holds it) is retried with every later table and shows in the stats with the error.
/// </summary>
public sealed partial class LoadBalancer(LoadBalancerOptions options, TimeProvider time, ILogger<LoadBalancer> logger) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly Dictionary<(PortProtocol, uint), Listener> listeners = [];

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
                    l = new Listener(new BackendPool(time));
                    listeners[key] = l;
                }
                l.Pool.Update(endpoint);
                if (l.Forwarder is null)
                {
                    Open(key, l, endpoint);
                }
            }
        }
        foreach (var c in closing)
        {
            _ = c.DisposeAsync().AsTask();
        }
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

    /// <summary>This node's counters for one service (all when <paramref name="serviceId"/> is empty).</summary>
    public LoadBalancerStats Stats(string serviceId = "")
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
                    p.Backends.Add(new BackendStats
                    {
                        TaskId = b.TaskId,
                        NodeId = b.NodeId,
                        Address = b.EndPoint.ToString(),
                        Healthy = b.Healthy,
                        Draining = b.Draining,
                        Connections = (ulong)b.Connections,
                        Active = (ulong)Math.Max(0, b.Active),
                        Failures = (ulong)b.Failures,
                        BytesIn = (ulong)b.BytesIn,
                        BytesOut = (ulong)b.BytesOut,
                    });
                }
                stats.Ports.Add(p);
            }
        }
        return stats;
    }

    public async ValueTask DisposeAsync()
    {
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
