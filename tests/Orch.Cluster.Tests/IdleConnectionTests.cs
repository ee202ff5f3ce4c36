using System.Net.Sockets;
using System.Text;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// Issue 6: "a connection idle for longer than 15 minutes still works" (Swarm's IPVS drops a connection idle for
/// 900 s). Two TCP connections to the only task, on node 2, each crossing another node's balancer and the network:
/// one through node 1 (the kernel path: DNAT and masquerade, orchd's default) and one through node 3, whose orchd
/// runs with <c>--lb-remote proxy</c> (the user-space splice proxy). Each carries data, stays silent for
/// ORCH_IDLE_TEST_SECONDS (default 930: 15 min 30 s; no keepalive from the client), then must carry data again, to
/// the same task.
/// Trait Category=LongIdle: deploy/test.sh runs it as its own `dotnet test` process in the background of the rest
/// of the suite and counts its result; the main run leaves it out.
/// </summary>
[Trait("Category", "LongIdle")]
public sealed class IdleConnectionTests
{
    private const int Port = 7070;
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TcpThroughBalancerToAnotherNode_IdleLongerThan15Minutes_StillWorks_KernelPathAndProxy()
    {
        var idle = IdleTime();
        await using var c = await TestCluster.UpAsync(3, orchdArgs: new Dictionary<int, string> { [3] = "--lb-remote proxy" });
        await Services.ImportBusyboxAsync(c);
        await EchoImage.ImportAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "idle", "--constraint", "node.hostname==n2",
            "-p", $"{Port}:5353", EchoImage.Ref, .. EchoImage.Serve(5353)]);
        var task = (await Services.WaitRunningAsync(c, 1, "idle", 1)).Single();
        Assert.Equal("n2", task.Node);
        await LoadBalancerTests.BalancedAsync(c, 1, "idle", 1);

        using var viaKernel = new TcpClient { NoDelay = true };
        await viaKernel.ConnectAsync(c.Address(1), Port);
        using var viaProxy = await ConnectWhenListeningAsync(c.Address(3));
        var hosts = new List<string>();
        foreach (var client in new[] { viaKernel, viaProxy })
        {
            Assert.False(client.Client.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive) is int on && on != 0,
                "the client must not send keepalives: the connection has to be really idle");
            hosts.Add(await ExchangeAsync(client.GetStream(), "before"));
        }
        // n1's kernel served its connection (its DNAT rule counted it); n3's went through its proxy.
        var n1 = await LoadBalancerTests.BackendsAsync(c, 1, "idle");
        Assert.Equal(1, n1.Single().GetProperty("KernelConnections").GetInt32());

        await Task.Delay(idle);

        var names = new[] { "through n1 (kernel path)", "through n3 (proxy)" };
        for (var i = 0; i < 2; i++)
        {
            var after = await ExchangeAsync((i == 0 ? viaKernel : viaProxy).GetStream(), "after");
            Assert.True(after == hosts[i], $"{names[i]}: after {idle.TotalSeconds} s idle the answer came from {after}, before from {hosts[i]}");
        }
        await Swarm.MustAsync(c, 1, "service", "rm", "idle");
    }

    /// <summary>n3 is a worker (no service inspect there): connect once its balancer listens on the port.</summary>
    private static async Task<TcpClient> ConnectWhenListeningAsync(string address)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var client = new TcpClient { NoDelay = true };
            try
            {
                await client.ConnectAsync(address, Port);
                return client;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                client.Dispose();
                await Task.Delay(200);
            }
        }
    }

    /// <summary>ORCH_IDLE_TEST_SECONDS (for quicker local runs), default 930; CI uses the default.</summary>
    private static TimeSpan IdleTime()
    {
        var v = Environment.GetEnvironmentVariable("ORCH_IDLE_TEST_SECONDS");
        if (string.IsNullOrEmpty(v))
        {
            return TimeSpan.FromSeconds(930);
        }
        return int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0
            ? TimeSpan.FromSeconds(s)
            : throw new ArgumentException($"ORCH_IDLE_TEST_SECONDS must be a number of seconds more than 0: '{v}'");
    }

    /// <summary>Sends WORD, reads echod's "HOSTNAME WORD" answer on the same connection; returns the hostname.</summary>
    private static async Task<string> ExchangeAsync(NetworkStream stream, string word)
    {
        using var timeout = new CancellationTokenSource(Answer);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(word), timeout.Token);
        var buffer = new byte[512];
        var got = new StringBuilder();
        while (!got.ToString().EndsWith(" " + word, StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, timeout.Token);
            Assert.True(n > 0, $"the connection was closed (sent '{word}', got '{got}')");
            got.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        var text = got.ToString();
        return text[..text.IndexOf(' ', StringComparison.Ordinal)];
    }
}
