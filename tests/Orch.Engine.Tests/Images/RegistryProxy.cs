using System.Collections.Concurrent;
using System.Net;

namespace Orch.Engine.Tests.Images;

/// <summary>
/// A loopback HTTP proxy in front of a registry that forwards every request (bodies both ways, the Host header
/// kept so the registry's Location headers point back at the proxy), records what went through, and fails
/// the requests <see cref="Fault"/> picks — to prove retries, and to count the bytes a push really sent.
/// </summary>
internal sealed class RegistryProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Expect", "Content-Length", "Content-Type", "Content-Range",
    };

    private readonly HttpListener listener = new();
    private readonly HttpClient http = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly string upstream;
    private readonly Task loop;
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int count;

    public RegistryProxy(string upstream)
    {
        this.upstream = upstream;
        Port = Orch.Testing.TestRegistry.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Decides per request (method, path, 0-based request number) whether to fail it.</summary>
    public Func<string, string, int, ProxyFault> Fault { get; set; } = (_, _, _) => ProxyFault.None;

    /// <summary>Completes when a <see cref="ProxyFault.Stall"/> answer has sent the first half of its body.</summary>
    public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Every request: method, path and query, request body bytes, status answered (0 for a reset).</summary>
    public ConcurrentQueue<(string Method, string Url, long BodyBytes, int Status)> Seen { get; } = new();

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(ctx));
        }
    }

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        var method = ctx.Request.HttpMethod;
        var url = ctx.Request.RawUrl ?? "/";
        var n = Interlocked.Increment(ref count) - 1;
        var fault = Fault(method, ctx.Request.Url!.AbsolutePath, n);
        try
        {
            switch (fault)
            {
                case ProxyFault.Reset:
                    // HttpListener's Abort before any byte still answers; promising a body and cutting it off
                    // is what a dropped connection looks like to the client.
                    Seen.Enqueue((method, url, 0, 0));
                    ctx.Response.StatusCode = 200;
                    ctx.Response.ContentLength64 = 1 << 20;
                    await ctx.Response.OutputStream.WriteAsync(new byte[16]);
                    await ctx.Response.OutputStream.FlushAsync();
                    ctx.Response.Abort();
                    return;
                case ProxyFault.ServiceUnavailable or ProxyFault.TooManyRequests or ProxyFault.Forbidden:
                    var status = fault switch { ProxyFault.ServiceUnavailable => 503, ProxyFault.TooManyRequests => 429, _ => 403 };
                    Seen.Enqueue((method, url, 0, status));
                    ctx.Response.StatusCode = status;
                    if (status == 429)
                    {
                        ctx.Response.AddHeader("Retry-After", "1");
                    }
                    ctx.Response.Close();
                    return;
            }
            using var req = new HttpRequestMessage(new HttpMethod(method), $"http://{upstream}{url}");
            var counted = new CountingStream(ctx.Request.InputStream);
            if (ctx.Request.HasEntityBody || method is "PUT" or "PATCH" or "POST")
            {
                req.Content = new StreamContent(counted);
                if (ctx.Request.ContentLength64 >= 0)
                {
                    req.Content.Headers.ContentLength = ctx.Request.ContentLength64;
                }
                if (ctx.Request.ContentType is { } type)
                {
                    req.Content.Headers.TryAddWithoutValidation("Content-Type", type);
                }
            }
            foreach (var name in ctx.Request.Headers.AllKeys.OfType<string>().Where(h => !HopHeaders.Contains(h)))
            {
                req.Headers.TryAddWithoutValidation(name, ctx.Request.Headers.GetValues(name) ?? []);
            }
            req.Headers.Host = ctx.Request.Headers["Host"];
            using var resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
            Seen.Enqueue((method, url, counted.Count, (int)resp.StatusCode));
            ctx.Response.StatusCode = (int)resp.StatusCode;
            foreach (var (name, values) in resp.Headers.Concat(resp.Content.Headers))
            {
                if (!HopHeaders.Contains(name) || name == "Content-Type")
                {
                    foreach (var v in values)
                    {
                        ctx.Response.AddHeader(name, v);
                    }
                }
            }
            if (resp.Content.Headers.ContentLength is { } length)
            {
                ctx.Response.ContentLength64 = length;
            }
            if (method != "HEAD" && fault == ProxyFault.Stall)
            {
                var half = new byte[(resp.Content.Headers.ContentLength ?? 2) / 2];
                await (await resp.Content.ReadAsStreamAsync()).ReadExactlyAsync(half);
                await ctx.Response.OutputStream.WriteAsync(half);
                await ctx.Response.OutputStream.FlushAsync();
                Stalled.TrySetResult();
                await released.Task;
                ctx.Response.Abort();
                return;
            }
            if (method != "HEAD")
            {
                await resp.Content.CopyToAsync(ctx.Response.OutputStream);
            }
            ctx.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or HttpRequestException or ObjectDisposedException)
        {
            ctx.Response.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        released.TrySetResult();
        // Close alone: after Stop it looks the endpoint up again and binds the port anew to do so, which fails
        // (\"Address already in use\") when another test took the freed port meanwhile.
        listener.Close();
        await loop;
        http.Dispose();
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Count { get; private set; }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            var n = await inner.ReadAsync(buffer, ct);
            Count += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Count += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Count; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
