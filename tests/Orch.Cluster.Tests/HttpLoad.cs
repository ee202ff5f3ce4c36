using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Orch.Cluster.Tests;

/// <summary>
/// A bounded load loop for the load balancer tests: a few workers, each a new connection per
/// request (HTTP/1.0 GET) to the given node addresses in turn, paced to at most
/// <c>workers × 1000 / pauseMs</c> requests per second. Records every request's start time,
/// answer or error.
/// </summary>
internal sealed class HttpLoad : IAsyncDisposable
{
    public sealed record Result(DateTime StartedAt, string? Answer, string? Error, string Host);

    private readonly CancellationTokenSource stop = new();
    private readonly Task[] workers;

    public ConcurrentQueue<Result> Results { get; } = new();

    public HttpLoad(IReadOnlyList<string> hosts, int port, int workers = 4, int pauseMs = 15)
    {
        this.workers = [.. Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var i = w;
            while (!stop.IsCancellationRequested)
            {
                var host = hosts[i++ % hosts.Count];
                var started = DateTime.UtcNow;
                try
                {
                    Results.Enqueue(new Result(started, await GetAsync(host, port), null, host));
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or TimeoutException)
                {
                    Results.Enqueue(new Result(started, null, e.GetType().Name + ": " + e.Message, host));
                }
                await Task.Delay(pauseMs);
            }
        }))];
    }

    public IReadOnlyList<Result> Failures => [.. Results.Where(r => r.Error is not null || string.IsNullOrEmpty(r.Answer))];

    public static Task<string> GetAsync(string host, int port) => Web.GetAsync(host, port, TimeSpan.FromSeconds(10));

    /// <summary>Stops the load and waits for the requests in flight; may be called more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await stop.CancelAsync();
        }
        await Task.WhenAll(workers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
