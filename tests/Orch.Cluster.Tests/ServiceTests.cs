using System.Net.Sockets;
using System.Text;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>Services on real nodes (issue 5): the scheduler, the dispatcher's assignments and the agents' engine, end to end.</summary>
public sealed class ServiceTests
{
    // A web server that says which version it is and stops at once on SIGTERM (busybox httpd as PID 1 would ignore it).
    private static string[] Web(string version) =>
        ["sh", "-c", $"mkdir -p /srv && echo {version} > /srv/index.html && trap 'exit 0' TERM; httpd -f -p 8080 -h /srv & wait"];

    [Fact]
    public async Task ThreeReplicas_OnePerNode_EachServes_ThenRollingUpdate()
    {
        await using var c = await TestCluster.UpAsync(3);
        await ImportBusyboxAsync(c);

        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "web", "--replicas", "3", "-p", "8080:8080",
            "--update-parallelism", "1", "--env", "V=1", "busybox", .. Web("v1")]);

        var running = await RunningTasksAsync(c, "web", 3);
        Assert.Equal(["n1", "n2", "n3"], running.Select(t => t.Node).Order());
        for (var k = 1; k <= 3; k++)
        {
            Assert.Equal("v1", await HttpGetAsync(c.Address(k), 8080));
        }

        await Swarm.MustAsync(c, 1, ["service", "update", "--detach", "--args", $"sh -c \"{Web("v2")[2]}\"", "web"]);
        await Eventually.MatchAsync(async () => await AllServeAsync(c, "v2"), ok => ok, "every node serves v2 after the update",
            TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
        Assert.Equal(3, (await RunningTasksAsync(c, "web", 3)).Count);
    }

    private static async Task ImportBusyboxAsync(TestCluster c)
    {
        for (var k = 1; k <= c.Size; k++)
        {
            var r = await ProcessRunner.RunAsync(Path.Combine(Binaries.RepoRoot, "deploy", "images", "busybox.sh"), ["busybox:latest"],
                TimeSpan.FromSeconds(60), env: new Dictionary<string, string> { ["ORCH_HOST"] = "unix://" + c.Socket(k) });
            Assert.True(r.ExitCode == 0, r.ToString());
        }
    }

    private sealed record TaskRow(string Name, string Node, string Desired, string Current);

    /// <summary>Waits until `service ps` shows <paramref name="count"/> tasks desired and currently Running.</summary>
    private static async Task<List<TaskRow>> RunningTasksAsync(TestCluster c, string service, int count)
    {
        var r = await Eventually.MatchAsync(() => c.OrchAsync(1, "service", "ps", service),
            r => r.ExitCode == 0 && Parse(r.Stdout).Count(t => t.Desired == "Running" && t.Current.StartsWith("Running", StringComparison.Ordinal)) == count,
            $"{count} tasks of {service} running", TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
        return Parse(r.Stdout).Where(t => t.Desired == "Running" && t.Current.StartsWith("Running", StringComparison.Ordinal)).ToList();
    }

    /// <summary>`service ps` rows: ID NAME IMAGE NODE DESIRED STATE CURRENT STATE ERROR PORTS (columns at the header's offsets).</summary>
    private static List<TaskRow> Parse(string table)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return [];
        }
        var h = lines[0];
        int Col(string name) => h.IndexOf(name, StringComparison.Ordinal);
        string Cell(string line, int from, int to) =>
            from >= line.Length ? "" : line[from..Math.Min(to < 0 ? line.Length : to, line.Length)].Trim();
        var (name, node, desired, current, error) = (Col("NAME"), Col("NODE"), Col("DESIRED STATE"), Col("CURRENT STATE"), Col("ERROR"));
        return lines.Skip(1).Select(l => new TaskRow(Cell(l, name, Col("IMAGE")), Cell(l, node, desired), Cell(l, desired, current), Cell(l, current, error))).ToList();
    }

    private static async Task<bool> AllServeAsync(TestCluster c, string version)
    {
        for (var k = 1; k <= c.Size; k++)
        {
            try
            {
                if (await HttpGetAsync(c.Address(k), 8080) != version)
                {
                    return false;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or TimeoutException)
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<string> HttpGetAsync(string host, int port)
    {
        using var client = new TcpClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(host, port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n"), cts.Token);
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync(cts.Token);
        var body = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return body < 0 ? "" : response[(body + 4)..].Trim();
    }
}
