using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Orch.LoadBalancer.Splice;

namespace Orch.LoadBalancer;

/// <summary>
/// One ingress TCP port of this node: accepts, picks the pool's next backend, connects (a refusal
/// or a timeout moves on to the next backend, so a dead node or a stopped task costs no
/// connection), optionally sends the PROXY v2 header, then copies both ways until each side has
/// closed. No idle timeout: a quiet connection lives as long as both ends do, with TCP keepalive
/// on both sockets to find dead peers. Everything after bind and listen runs on the splice pump
/// (<see cref="SplicePump"/>): accept, connect and the copy (socket → pipe → socket with
/// splice(2)) on its epoll threads, with no thread-pool hop per connection or per chunk.
/// </summary>
internal sealed partial class TcpForwarder : IAsyncDisposable
{
    private readonly Socket listener;
    private readonly int port;
    private readonly BackendPool pool;
    private readonly LoadBalancerOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<(PumpThread Thread, ulong Id)> watches = [];

    public TcpForwarder(int port, BackendPool pool, LoadBalancerOptions options, ILogger logger)
    {
        this.port = port;
        this.pool = pool;
        this.options = options;
        this.logger = logger;
        // A .NET Socket for bind and listen (their errors are the SocketExceptions LoadBalancer
        // reports); .NET never polls it: only the pump accepts on it.
        listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(options.ListenAddress, port));
            listener.Listen(1024);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        var fd = (int)listener.SafeHandle.DangerousGetHandle();
        _ = Libc.SetNonBlocking(fd);
        foreach (var t in SplicePump.Shared.Threads)
        {
            watches.Add((t, t.Listen(fd, Accepted, e => LogAcceptFailed(SplicePump.Describe(e)))));
        }
    }

    /// <summary>On a pump thread: starts serving a new connection (runs until its first wait).</summary>
    private void Accepted(PumpThread pump, int client) => _ = ServeAsync(pump, client, stopping.Token);

    private async Task ServeAsync(PumpThread pump, int client, CancellationToken ct)
    {
        var handedOver = false;
        try
        {
            SplicePump.Configure(client, options);
            // Not loopback: the kernel fast path already took its share of these (BackendPool.Next).
            var remainder = SplicePump.Local(client) is { } local && !IPAddress.IsLoopback(local.Address);
            var (backend, upstream) = await ConnectAsync(pump, remainder, ct);
            if (backend is null)
            {
                if (!ct.IsCancellationRequested)
                {
                    LogNoBackend(pool.Endpoint?.ServiceName ?? "", port);
                }
                return; // closing the accepted socket tells the client at once
            }
            handedOver = HandOver(pump, client, backend, upstream, ct);
        }
        finally
        {
            if (!handedOver)
            {
                _ = Libc.Close(client);
            }
        }
    }

    /// <summary>Sends the PROXY header if asked, then gives both sockets to the pump, which owns them from here on.</summary>
    private bool HandOver(PumpThread pump, int client, Backend backend, int upstream, CancellationToken ct)
    {
        var up = SplicePump.Pipe(backend.AddIn);
        var down = SplicePump.Pipe(backend.AddOut);
        var header = pool.Endpoint?.ProxyProtocol == "v2" && SplicePump.Peer(client) is { } from && SplicePump.Local(client) is { } to
            ? ProxyProtocolV2.Header(from, to, stream: true)
            : null;
        var proxyOk = pool.Endpoint?.ProxyProtocol != "v2" || (header is not null && SplicePump.SendAll(upstream, header));
        if (up is null || down is null || !proxyOk)
        {
            foreach (var fd in (ReadOnlySpan<int>)[up?.PipeRead ?? -1, up?.PipeWrite ?? -1, down?.PipeRead ?? -1, down?.PipeWrite ?? -1])
            {
                _ = fd >= 0 ? Libc.Close(fd) : 0;
            }
            Libc.Reset(upstream);
            _ = Libc.Close(upstream);
            backend.Closed();
            return false;
        }
        pump.Adopt(client, upstream, up, down, backend, ct);
        return true;
    }

    /// <summary>
    /// Tries backends in round-robin order until one accepts; each is tried at most once. <paramref name="remainder"/>:
    /// the connection came past the kernel fast path, which took its share already (BackendPool.Next).
    /// </summary>
    private async Task<(Backend?, int)> ConnectAsync(PumpThread pump, bool remainder, CancellationToken ct)
    {
        var tried = new HashSet<Backend>();
        while (!ct.IsCancellationRequested && pool.Next(tried, remainder) is { } b)
        {
            tried.Add(b);
            var (fd, error) = SplicePump.StartConnect(b.EndPoint, options);
            if (error == Libc.EINPROGRESS)
            {
                error = await pump.ConnectedAsync(fd, options.ConnectTimeout, ct);
            }
            if (error == 0)
            {
                BackendPool.MarkConnected(b);
                return (b, fd);
            }
            if (fd >= 0)
            {
                _ = Libc.Close(fd);
            }
            if (ct.IsCancellationRequested)
            {
                break;
            }
            pool.MarkFailed(b);
            LogConnectFailed(b.TaskId, b.EndPoint.ToString(), error == Libc.ETIMEDOUT ? "timeout" : SplicePump.Describe(error));
        }
        return (null, -1);
    }

    public async ValueTask DisposeAsync()
    {
        // Stops accepting; open connections run on until they end (the port left the table, not the tasks).
        // The pump lets go of the listener before it is closed, so it never accepts on a reused fd number.
        await Task.WhenAll(watches.Select(w => w.Thread.UnlistenAsync(w.Id)));
        listener.Dispose();
    }

    /// <summary>Ends every open connection too (orchd stopping).</summary>
    public void Abort()
    {
        stopping.Cancel();
        SplicePump.Shared.Abort(stopping.Token);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: accept failed: {Error}")]
    private partial void LogAcceptFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: no backend of service {Service} accepted a connection on port {Port}")]
    private partial void LogNoBackend(string service, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: backend task {TaskId} at {EndPoint} failed a connect ({Error}); trying the next")]
    private partial void LogConnectFailed(string taskId, string endPoint, string error);
}
