using System.Net;

namespace Orch.Engine.Tests.Images;

/// <summary>
/// A loopback HTTP proxy in front of a registry that flips one byte of every layer blob it serves
/// (blobs other than <see cref="Spare"/>), to prove that pulls verify digests.
/// </summary>
internal sealed class CorruptingProxy : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly HttpClient http = new();
    private readonly string upstream;
    private readonly Task loop;

    public CorruptingProxy(string upstream)
    {
        this.upstream = upstream;
        Port = Orch.Testing.TestRegistry.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>Blob digests passed through intact (the image config).</summary>
    public HashSet<string> Spare { get; } = [];

    public int Corrupted { get; private set; }

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
            try
            {
                using var req = new HttpRequestMessage(new HttpMethod(ctx.Request.HttpMethod), $"http://{upstream}{ctx.Request.RawUrl}");
                foreach (var accept in ctx.Request.AcceptTypes ?? [])
                {
                    req.Headers.TryAddWithoutValidation("Accept", accept);
                }
                using var resp = await http.SendAsync(req);
                var body = await resp.Content.ReadAsByteArrayAsync();
                var path = ctx.Request.Url!.AbsolutePath;
                var digest = path[(path.LastIndexOf('/') + 1)..];
                if (path.Contains("/blobs/", StringComparison.Ordinal) && !Spare.Contains(digest) && body.Length > 100)
                {
                    body[body.Length / 2] ^= 0xff;
                    Corrupted++;
                }
                ctx.Response.StatusCode = (int)resp.StatusCode;
                if (resp.Content.Headers.ContentType is { } type)
                {
                    ctx.Response.ContentType = type.ToString();
                }
                ctx.Response.ContentLength64 = body.Length;
                await ctx.Response.OutputStream.WriteAsync(body);
            }
            finally
            {
                ctx.Response.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: after Stop it looks the endpoint up again and binds the port anew to do so, which fails
        // (\"Address already in use\") when another test took the freed port meanwhile.
        listener.Close();
        await loop;
        http.Dispose();
    }
}
