using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Orch.LoadBalancer;

/// <summary>
/// One ingress UDP port of this node. A client address is a flow: its first datagram picks the
/// pool's next backend and opens a socket connected to it; replies come back from the published
/// port. A flow is forgotten after <see cref="LoadBalancerOptions.UdpFlowIdle"/> without traffic
/// (UDP has no close). A flow to a backend that left the table or is draining moves to another
/// backend with its next datagram.
/// </summary>
internal sealed partial class UdpForwarder : IAsyncDisposable
{
    private readonly Socket listener;
    private readonly BackendPool pool;
    private readonly LoadBalancerOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<IPEndPoint, Flow> flows = new();
    private readonly Task receiving;

    private sealed class Flow(Backend backend, Socket socket)
    {
        public Backend Backend { get; } = backend;
        public Socket Socket { get; } = socket;
        public long LastTicks = Environment.TickCount64;
    }

    public UdpForwarder(int port, BackendPool pool, LoadBalancerOptions options, ILogger logger)
    {
        this.pool = pool;
        this.options = options;
        this.logger = logger;
        listener = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            listener.Bind(new IPEndPoint(options.ListenAddress, port));
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        receiving = ReceiveLoopAsync(stopping.Token);
    }

    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        var buffer = new byte[65536];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        var lastSweep = Environment.TickCount64;
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await listener.ReceiveFromAsync(buffer, SocketFlags.None, any, ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // ICMP errors of earlier sends surface here
            }
            var client = (IPEndPoint)r.RemoteEndPoint;
            if (!flows.TryGetValue(client, out var flow) || !pool.Backends.Contains(flow.Backend) || flow.Backend.Draining || !flow.Backend.Healthy)
            {
                flow = Open(client, flow, ct);
                if (flow is null)
                {
                    continue;
                }
            }
            flow.LastTicks = Environment.TickCount64;
            flow.Backend.AddIn(r.ReceivedBytes);
            try
            {
                await flow.Socket.SendAsync(buffer.AsMemory(0, r.ReceivedBytes), SocketFlags.None, ct);
            }
            catch (SocketException)
            {
                pool.MarkFailed(flow.Backend);
            }
            if (Environment.TickCount64 - lastSweep > 5000)
            {
                lastSweep = Environment.TickCount64;
                Sweep();
            }
        }
    }

    private Flow? Open(IPEndPoint client, Flow? old, CancellationToken ct)
    {
        if (old is not null && flows.TryRemove(new KeyValuePair<IPEndPoint, Flow>(client, old)))
        {
            Close(old);
        }
        if (pool.Next() is not { } b)
        {
            return null;
        }
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Connect(b.EndPoint);
        b.Connected();
        var flow = new Flow(b, s);
        flows[client] = flow;
        _ = RelayRepliesAsync(client, flow, ct);
        return flow;
    }

    private async Task RelayRepliesAsync(IPEndPoint client, Flow flow, CancellationToken ct)
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var n = await flow.Socket.ReceiveAsync(buffer, SocketFlags.None, ct);
                flow.LastTicks = Environment.TickCount64;
                flow.Backend.AddOut(n);
                await listener.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, client, ct);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                pool.MarkFailed(flow.Backend);
                LogRefused(flow.Backend.TaskId);
            }
        }
    }

    private void Sweep()
    {
        var idle = (long)options.UdpFlowIdle.TotalMilliseconds;
        foreach (var (client, flow) in flows)
        {
            if (Environment.TickCount64 - flow.LastTicks > idle && flows.TryRemove(new KeyValuePair<IPEndPoint, Flow>(client, flow)))
            {
                Close(flow);
            }
        }
    }

    private static void Close(Flow flow)
    {
        flow.Socket.Dispose();
        flow.Backend.Closed();
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Dispose();
        await receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var flow in flows.Values)
        {
            Close(flow);
        }
        flows.Clear();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: udp backend task {TaskId} refused a datagram")]
    private partial void LogRefused(string taskId);
}
