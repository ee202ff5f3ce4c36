using System.Net;
using System.Net.Sockets;
using System.Text;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// The routing mesh for UDP (issue 6): a service publishing 5353/udp answers datagrams sent to the published
/// port of any node, and every new client flow (a new source port) goes to the next task, round-robin over
/// the tasks on all three nodes. The tasks run echod (<see cref="EchoImage"/>), which answers with its hostname.
/// </summary>
public sealed class MeshUdpTests
{
    private const int Port = 5353;
    private const int Flows = 12;

    [Fact]
    public async Task NewFlows_RoundRobinOverThreeTasksOnThreeNodes_ThroughEveryNode()
    {
        // 3 managers: `service inspect` through each node shows that node's balancer (a worker cannot answer it).
        await using var c = await TestCluster.UpAsync(3, managers: 3);
        await Services.ImportBusyboxAsync(c);
        await EchoImage.ImportAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "udp", "--replicas", "3", "--replicas-max-per-node", "1",
            "-p", $"{Port}:{Port}/udp", EchoImage.Ref, .. EchoImage.Serve(Port)]);
        var tasks = await Services.WaitRunningAsync(c, 1, "udp", 3);
        Assert.Equal(["n1", "n2", "n3"], tasks.Select(t => t.Node).Order());

        for (var k = 1; k <= 3; k++)
        {
            await LoadBalancerTests.BalancedAsync(c, k, "udp", 3);
            var answers = new List<string>();
            for (var i = 0; i < Flows; i++)
            {
                answers.Add(await AskAsync(c.Address(k), $"flow{i}"));
            }
            var counts = answers.GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
            var seen = string.Join(", ", answers);
            Assert.True(counts.Count == 3 && counts.Values.All(n => n == Flows / 3), $"through n{k}: {seen}");
            // Round-robin: every 3 consecutive flows met all 3 tasks, in the same order each time.
            for (var i = 3; i < Flows; i++)
            {
                Assert.True(answers[i] == answers[i - 3], $"through n{k}, flow {i} went to {answers[i]}, flow {i - 3} to {answers[i - 3]}: {seen}");
            }
            // The node's balancer counts one flow per backend per round.
            var backends = await LoadBalancerTests.BackendsAsync(c, k, "udp");
            Assert.All(backends, b => Assert.Equal(Flows / 3, b.GetProperty("Connections").GetInt32()));
        }
    }

    /// <summary>
    /// One new flow (a fresh socket, so a new source port) to HOST:5353: sends PAYLOAD until an answer comes
    /// (a datagram may be lost; the same socket keeps the same flow) and returns the answering task's hostname.
    /// </summary>
    private static async Task<string> AskAsync(string host, string payload)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Any, 0));
        var to = new IPEndPoint(IPAddress.Parse(host), Port);
        var buffer = new byte[2048];
        for (var attempt = 0; attempt < 10; attempt++)
        {
            await s.SendToAsync(Encoding.ASCII.GetBytes(payload), SocketFlags.None, to);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                var r = await s.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), wait.Token);
                var text = Encoding.ASCII.GetString(buffer, 0, r.ReceivedBytes);
                Assert.Equal(to, r.RemoteEndPoint); // answered from the published port, as the client sent to
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                Assert.True(space > 0 && text[(space + 1)..] == payload, $"answer to {payload}: '{text}'");
                return text[..space];
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
                // ICMP port unreachable of a datagram sent before the port was open on that node: try again.
            }
        }
        throw new TimeoutException($"no answer from {host}:{Port}/udp to {payload} in 10 tries of 3 s");
    }
}
