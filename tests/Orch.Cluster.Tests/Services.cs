using System.Text.Json;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>What a user does and checks with `orch service …` on a test cluster (tasks as `service ps` shows them).</summary>
internal static class Services
{
    public static readonly TimeSpan Converge = TimeSpan.FromSeconds(120);

    /// <summary>A task row of `service ps`: NAME (web.1 or \_ web.1), NODE, DESIRED STATE, CURRENT STATE, ERROR.</summary>
    public sealed record TaskRow(string Id, string Name, string Node, string Desired, string Current, string Error)
    {
        public bool Running => Desired == "Running" && Current.StartsWith("Running", StringComparison.Ordinal);
    }

    /// <summary>A command that prints a line, then stays up and stops at once on SIGTERM.</summary>
    public static string[] Idle(string say = "up") =>
        ["sh", "-c", $"echo {say} on $(hostname); trap 'exit 0' TERM; while true; do sleep 0.2; done"];

    /// <summary>busybox:latest imported on every node (images are not distributed by the cluster in these tests).</summary>
    public static async Task ImportBusyboxAsync(TestCluster c, int from = 1)
    {
        for (var k = from; k <= c.Size; k++)
        {
            var r = await ProcessRunner.RunAsync(Path.Combine(Binaries.RepoRoot, "deploy", "images", "busybox.sh"), ["busybox:latest"],
                TimeSpan.FromSeconds(60), env: new Dictionary<string, string> { ["ORCH_HOST"] = "unix://" + c.Socket(k) });
            Assert.True(r.ExitCode == 0, r.ToString());
        }
    }

    /// <summary>`orch build -t app:VERSION` on node K of a web image that answers VERSION; returns its manifest digest.</summary>
    public static async Task<string> BuildAppAsync(TestCluster c, int k, string version)
    {
        var dir = Directory.CreateTempSubdirectory("orch-app-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "index.html"), version + "\n");
            // httpd as PID 1 would ignore SIGTERM: trap it so that a rolling update does not wait the whole grace period.
            await File.WriteAllTextAsync(Path.Combine(dir, "Dockerfile"),
                "FROM busybox\nCOPY index.html /srv/index.html\nCMD [\"sh\", \"-c\", \"trap 'exit 0' TERM; httpd -f -p 8080 -h /srv & wait\"]\n");
            var build = await c.OrchAsync(k, TimeSpan.FromMinutes(2), "build", "-t", "app:" + version, dir);
            Assert.True(build.ExitCode == 0, build.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        var inspect = await Swarm.MustAsync(c, k, "image", "inspect", "app:" + version);
        using var doc = JsonDocument.Parse(inspect.Stdout);
        return doc.RootElement[0].GetProperty("Manifest").GetProperty("Digest").GetString()!;
    }

    public static async Task<List<TaskRow>> PsAsync(TestCluster c, int k, string service)
    {
        var r = await c.OrchAsync(k, "service", "ps", "--no-trunc", service);
        return r.ExitCode == 0 ? Parse(r.Stdout) : [];
    }

    /// <summary>Waits until `service ps` through node <paramref name="k"/> satisfies <paramref name="done"/>; returns its rows.</summary>
    public static async Task<List<TaskRow>> WaitPsAsync(TestCluster c, int k, string service, Func<List<TaskRow>, bool> done, string what,
        TimeSpan? timeout = null)
    {
        var r = await Eventually.MatchAsync(() => c.OrchAsync(k, "service", "ps", "--no-trunc", service),
            r => r.ExitCode == 0 && done(Parse(r.Stdout)), what, timeout ?? Converge, TimeSpan.FromMilliseconds(500));
        return Parse(r.Stdout);
    }

    /// <summary>Waits until exactly <paramref name="count"/> tasks are desired Running and Running, and no other task is desired Running.</summary>
    public static Task<List<TaskRow>> WaitRunningAsync(TestCluster c, int k, string service, int count, TimeSpan? timeout = null) =>
        WaitPsAsync(c, k, service, rows => rows.Count(t => t.Running) == count && rows.Count(t => t.Desired == "Running") == count,
            $"exactly {count} tasks of {service} desired and currently Running", timeout);

    /// <summary>Waits until <paramref name="count"/> tasks are desired and currently Running; returns those rows.</summary>
    public static async Task<List<TaskRow>> RunningAsync(TestCluster c, int k, string service, int count) =>
        [.. (await WaitPsAsync(c, k, service, rows => rows.Count(t => t.Running) == count, $"{count} tasks of {service} running")).Where(t => t.Running)];

    /// <summary>`service ps` rows at the header's column offsets.</summary>
    public static List<TaskRow> Parse(string table)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0)
        {
            return [];
        }
        var h = lines[0];
        int Col(string name) => h.IndexOf(name, StringComparison.Ordinal);
        string Cell(string line, int from, int to) =>
            from < 0 || from >= line.Length ? "" : line[from..Math.Min(to < 0 ? line.Length : to, line.Length)].Trim();
        var (name, image, node, desired, current, error, ports) =
            (Col("NAME"), Col("IMAGE"), Col("NODE"), Col("DESIRED STATE"), Col("CURRENT STATE"), Col("ERROR"), Col("PORTS"));
        return lines.Skip(1).Select(l => new TaskRow(Cell(l, 0, name), Cell(l, name, image).Replace("\\_", "", StringComparison.Ordinal).Trim(),
            Cell(l, node, desired), Cell(l, desired, current), Cell(l, current, error), Cell(l, error, ports))).ToList();
    }

    /// <summary>`service inspect` as JSON (the first service).</summary>
    public static async Task<JsonElement> InspectAsync(TestCluster c, int k, string service)
    {
        var r = await Swarm.MustAsync(c, k, "service", "inspect", service);
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement[0].Clone();
    }

    /// <summary>The service's tasks as the control API returns them (through node K's socket): ids, slots, timestamps.</summary>
    public static async Task<List<Orch.Api.V1.Objects.Task>> TasksAsync(TestCluster c, int k, string service)
    {
        using var channel = Channel(c, k);
        var control = new Orch.Api.V1.Control.ControlClient(channel);
        var svc = await control.InspectServiceAsync(new Orch.Api.V1.InspectServiceRequest { Id = service }, deadline: DateTime.UtcNow.AddSeconds(30));
        var tasks = await control.ListTasksAsync(new Orch.Api.V1.ListTasksRequest { ServiceId = svc.Id }, deadline: DateTime.UtcNow.AddSeconds(30));
        return [.. tasks.Tasks];
    }

    private static Grpc.Net.Client.GrpcChannel Channel(TestCluster c, int k)
    {
        var path = c.Socket(k);
        return Grpc.Net.Client.GrpcChannel.ForAddress("http://orchd", new Grpc.Net.Client.GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectCallback = async (_, ct) =>
                {
                    var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream,
                        System.Net.Sockets.ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path), ct);
                        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            },
        });
    }
}
