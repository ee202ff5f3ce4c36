using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Orch.LoadBalancer;

/// <summary>
/// One ingress TCP port of this node: accepts, picks the pool's next backend, connects (a refusal
/// or a timeout moves on to the next backend, so a dead node or a stopped task costs no
/// connection), optionally sends the PROXY v2 header, then copies both ways until each side has
/// closed. No idle timeout: a quiet connection lives as long as both ends do, with TCP keepalive
/// on both sockets to find dead peers.
/// </summary>
internal sealed partial class TcpForwarder : IAsyncDisposable
{
    private readonly Socket listener;
    private readonly BackendPool pool;
    private readonly LoadBalancerOptions options;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;

    public TcpForwarder(int port, BackendPool pool, LoadBalancerOptions options, ILogger logger)
    {
        this.pool = pool;
        this.options = options;
        this.logger = logger;
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
        accepting = AcceptLoopAsync(stopping.Token);
    }

    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(ct);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(e.SocketErrorCode.ToString());
                continue;
            }
            _ = Task.Run(() => ServeAsync(client, ct), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        using var _ = client;
        Configure(client);
        var (backend, upstream) = await ConnectAsync(!IPAddress.IsLoopback(((IPEndPoint)client.LocalEndPoint!).Address), ct);
        if (backend is null || upstream is null)
        {
            LogNoBackend(pool.Endpoint?.ServiceName ?? "", ((IPEndPoint)listener.LocalEndPoint!).Port);
            return; // closing the accepted socket tells the client at once
        }
        using var __ = upstream;
        try
        {
            if (pool.Endpoint?.ProxyProtocol == "v2")
            {
                var header = ProxyProtocolV2.Header((IPEndPoint)client.RemoteEndPoint!, (IPEndPoint)client.LocalEndPoint!, stream: true);
                await upstream.SendAsync(header, SocketFlags.None, ct);
            }
            await Task.WhenAll(PumpAsync(client, upstream, backend.AddIn, ct), PumpAsync(upstream, client, backend.AddOut, ct));
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            backend.Closed();
        }
    }

    /// <summary>
    /// Tries backends in round-robin order until one accepts; each is tried at most once. <paramref name="remainder"/>:
    /// the connection came past the kernel fast path, which took its share already (BackendPool.Next).
    /// </summary>
    private async Task<(Backend?, Socket?)> ConnectAsync(bool remainder, CancellationToken ct)
    {
        var tried = new HashSet<Backend>();
        while (pool.Next(tried, remainder) is { } b)
        {
            tried.Add(b);
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            Configure(s);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await s.ConnectAsync(b.EndPoint, timeout.Token);
                BackendPool.MarkConnected(b);
                return (b, s);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                s.Dispose();
                pool.MarkFailed(b);
                LogConnectFailed(b.TaskId, b.EndPoint.ToString(), e is SocketException se ? se.SocketErrorCode.ToString() : "timeout");
            }
        }
        return (null, null);
    }

    private void Configure(Socket s)
    {
        s.NoDelay = true;
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        s.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, (int)options.KeepAliveIdle.TotalSeconds);
        s.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 10);
        s.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 6);
    }

    /// <summary>Copies until <paramref name="from"/> ends its side, then ends the same side towards <paramref name="to"/> (half-close).</summary>
    private async Task PumpAsync(Socket from, Socket to, Action<long> count, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, ct);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                count(n);
                var sent = 0;
                while (sent < n)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None, ct);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A reset on one side resets the other: the client must see that the task went away.
            from.Close(0);
            to.Close(0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Stops accepting; open connections run on until they end (the port left the table, not the tasks).
        listener.Dispose();
        await accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Ends every open connection too (orchd stopping).</summary>
    public void Abort() => stopping.Cancel();

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: accept failed: {Error}")]
    private partial void LogAcceptFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: no backend of service {Service} accepted a connection on port {Port}")]
    private partial void LogNoBackend(string service, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: backend task {TaskId} at {EndPoint} failed a connect ({Error}); trying the next")]
    private partial void LogConnectFailed(string taskId, string endPoint, string error);
}
