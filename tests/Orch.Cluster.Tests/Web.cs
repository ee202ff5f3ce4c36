using System.Net.Sockets;
using System.Text;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>What a user's HTTP client sees of a published service port: one GET per connection (HTTP/1.0).</summary>
internal static class Web
{
    /// <summary>The body of GET <paramref name="path"/> on HOST:PORT (trimmed); throws when nothing answers in time.</summary>
    public static async Task<string> GetAsync(string host, int port, TimeSpan? timeout = null, string path = "/")
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        await client.ConnectAsync(host, port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n"), cts.Token);
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync(cts.Token);
        var body = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return body < 0 ? "" : response[(body + 4)..].Trim();
    }

    /// <summary>Whether every node of the cluster answers <paramref name="body"/> on the port.</summary>
    public static async Task<bool> AllServeAsync(TestCluster c, string body, int port = 8080)
    {
        for (var k = 1; k <= c.Size; k++)
        {
            try
            {
                if (await GetAsync(c.Address(k), port) != body)
                {
                    return false;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or TimeoutException)
            {
                return false;
            }
        }
        return true;
    }
}
