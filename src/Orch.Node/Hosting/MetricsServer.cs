using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Orch.Node.Hosting;

/// <summary>
/// `orchd --metrics-addr ADDR:PORT`: GET /metrics in Prometheus' text format, nothing else. A
/// listener of its own (not the API's Kestrel) so that the metrics port can never reach the engine API.
/// </summary>
internal sealed partial class MetricsServer : IAsyncDisposable
{
    private readonly Socket listener;
    private readonly Func<CancellationToken, Task<string>> render;
    private readonly ILogger<MetricsServer> logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task serving;

    public MetricsServer(IPEndPoint at, Func<CancellationToken, Task<string>> render, ILogger<MetricsServer> logger)
    {
        this.render = render;
        this.logger = logger;
        listener = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(at);
        listener.Listen(64);
        LogListening(at.ToString());
        serving = ServeAsync(stopping.Token);
    }

    private async Task ServeAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var client = await listener.AcceptAsync(ct);
                _ = Task.Run(() => AnswerAsync(client, ct), CancellationToken.None);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task AnswerAsync(Socket client, CancellationToken ct)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var buffer = new byte[8192];
            var read = 0;
            while (read < buffer.Length && !Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await client.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            var requestLine = Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
            var ok = requestLine.StartsWith("GET /metrics ", StringComparison.Ordinal) || requestLine.StartsWith("GET /metrics?", StringComparison.Ordinal);
            var body = ok ? await render(timeout.Token) : "404 page not found\n";
            var bytes = Encoding.UTF8.GetBytes(body);
            var head = ok ? "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n" : "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n";
            await client.SendAsync(Encoding.ASCII.GetBytes($"{head}Content-Length: {bytes.Length}\r\nConnection: close\r\n\r\n"), SocketFlags.None, timeout.Token);
            await client.SendAsync(bytes, SocketFlags.None, timeout.Token);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Dispose();
        await serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "metrics at http://{Address}/metrics")]
    private partial void LogListening(string address);
}
