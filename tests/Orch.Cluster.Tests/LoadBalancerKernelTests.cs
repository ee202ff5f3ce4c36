using System.Text.Json;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// The balancer's kernel fast path on real nodes: a connection to the node a task runs on is DNATed by that
/// node's kernel straight to the container (the task sees the client's own address, the DNAT rule counts it),
/// one to another node goes through that node's user-space proxy (the task sees the proxying node), and a
/// local task that turns unhealthy leaves the kernel's rotation at once.
/// </summary>
public sealed class LoadBalancerKernelTests
{
    private const int Port = 8080;

    // GET /cgi-bin/who answers "HOSTNAME CLIENT-ADDRESS" (busybox httpd gives CGI scripts the peer as REMOTE_ADDR;
    // the CGI header ends in CRLF CRLF, which Web.GetAsync looks for).
    private static readonly string[] Who =
    [
        "sh", "-c",
        "mkdir -p /srv/cgi-bin && printf '#!/bin/sh\\nprintf \"Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n%%s %%s\\\\n\" \"$(hostname)\" \"$REMOTE_ADDR\"\\n' > /srv/cgi-bin/who "
        + $"&& chmod +x /srv/cgi-bin/who && touch /srv/ok && trap 'exit 0' TERM; httpd -f -p {Port} -h /srv & wait",
    ];

    [Fact]
    public async Task LocalTasks_ServedByTheKernel_SeeTheClient_UnhealthyOneGetsNoNewConnection()
    {
        await using var c = await TestCluster.UpAsync(2);
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "who", "--replicas", "2", "--constraint", "node.hostname==n1",
            "-p", $"{Port}:{Port}", "--health-cmd", "test -f /srv/ok", "--health-interval", "1s", "--health-retries", "1", "busybox", .. Who]);
        await Services.RunningAsync(c, 1, "who", 2);
        // n1 runs both tasks: its kernel path has a rule for each once its balancer applied the table.
        await Eventually.MatchAsync(() => BackendsAsync(c, 1), bs => bs.Count == 2 && bs.All(b => b.GetProperty("KernelPath").GetBoolean()),
            "n1's kernel path serves both local tasks", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));
        // n2 is a worker (service inspect needs a manager): wait until its published port answers.
        await Eventually.MatchAsync(async () =>
        {
            try
            {
                return await Web.GetAsync(c.Address(2), Port, path: "/cgi-bin/who");
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or OperationCanceledException)
            {
                return "";
            }
        }, a => a.Length > 0, "n2's published port answers", TimeSpan.FromSeconds(120), TimeSpan.FromMilliseconds(500));

        // Through n1 (the tasks' node): the kernel, exact round-robin, the client's own address (the host's end of the cluster bridge).
        var viaKernel = await AskAsync(c.Address(1), 10);
        Assert.All(viaKernel, a => Assert.EndsWith($"{c.Net}.254", a.Client));
        var hosts = viaKernel.GroupBy(a => a.Host).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(hosts.Count == 2 && hosts.Values.All(n => n == 5), string.Join(", ", hosts));
        var counted = await BackendsAsync(c, 1);
        Assert.All(counted, b => Assert.Equal(5, b.GetProperty("KernelConnections").GetInt32()));
        Assert.All(counted, b => Assert.Equal(5, b.GetProperty("Connections").GetInt32()));
        Assert.All(counted, b => Assert.True(b.GetProperty("BytesOut").GetInt64() > 0));

        // Through n2: its kernel DNATs to n1's host port and masquerades, so the task sees n2's address (as a proxy would show it).
        var viaProxy = await AskAsync(c.Address(2), 4);
        Assert.All(viaProxy, a => Assert.EndsWith($"{c.Net}.2", a.Client));

        // One local task falls ill: n1 takes it out (agent withdraws it, then the table marks it) and sends it nothing new.
        var name = (await Swarm.MustAsync(c, 1, ["ps"])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]).First(n => n.StartsWith("who.", StringComparison.Ordinal));
        var sick = (await Swarm.MustAsync(c, 1, ["exec", name, "hostname"])).Stdout.Trim();
        var sickTask = name.Split('.')[^1];
        await Swarm.MustAsync(c, 1, ["exec", name, "rm", "/srv/ok"]);
        await Eventually.MatchAsync(() => BackendsAsync(c, 1),
            bs => !bs.Any(b => b.GetProperty("TaskID").GetString() == sickTask && b.GetProperty("Healthy").GetBoolean() && !b.GetProperty("Draining").GetBoolean()),
            $"n1's balancer takes task {sickTask} out", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
        var after = await AskAsync(c.Address(1), 10);
        Assert.DoesNotContain(after, a => a.Host == sick);
    }

    private static async Task<List<(string Host, string Client)>> AskAsync(string node, int n)
    {
        var result = new List<(string, string)>();
        for (var i = 0; i < n; i++)
        {
            var parts = (await Web.GetAsync(node, Port, path: "/cgi-bin/who")).Split(' ', 2);
            result.Add((parts[0], parts.Length > 1 ? parts[1].Trim('[', ']') : ""));
        }
        return result;
    }

    private static Task<List<JsonElement>> BackendsAsync(TestCluster c, int k) => LoadBalancerTests.BackendsAsync(c, k, "who");
}
