using System.Text.RegularExpressions;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// `orch service logs` on real nodes (issue 5): the leader gathers each node's task logs over the
/// dispatcher sessions (workers serve no gRPC); a follower forwards the call; a dead node costs a
/// warning on stderr, never the rest of the logs and never a hang.
/// </summary>
public sealed class ServiceLogsTests
{
    // One task per node (max 1 per node), each saying where it runs on stdout and once on stderr.
    private static readonly string[] Chatty =
        ["sh", "-c", "echo hello from the task; echo oops >&2; trap 'exit 0' TERM; while true; do sleep 0.2; done"];

    [Fact]
    public async Task Logs_LinesFromEveryNode_Prefixed_ThenKilledNodeGivesWarningAndTheRest()
    {
        await using var c = await TestCluster.UpAsync(3, managers: 3);
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "chat", "--replicas", "3", "--replicas-max-per-node", "1",
            "busybox", .. Chatty]);
        var running = await Services.WaitRunningAsync(c, 1, "chat", 3);
        Assert.Equal(["n1", "n2", "n3"], running.Select(t => t.Node).Order());

        // Through the leader (n1), then through a follower (n2), which forwards the call.
        foreach (var k in new[] { 1, 2 })
        {
            var r = await Eventually.MatchAsync(() => c.OrchAsync(k, "service", "logs", "chat"),
                r => r.ExitCode == 0 && Regex.Matches(r.Stdout, "hello from").Count == 3,
                $"service logs through n{k} shows the line of each of the 3 tasks", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
            foreach (var node in new[] { "n1", "n2", "n3" })
            {
                // docker/cli's prefix: name.slot.taskid@node, 4 spaces, "| ", the line.
                Assert.Matches(new Regex($@"^chat\.[1-3]\.[a-z0-9]{{12}}@{node}    \| hello from the task$", RegexOptions.Multiline), r.Stdout);
                Assert.Matches(new Regex($@"^chat\.[1-3]\.[a-z0-9]{{12}}@{node}    \| oops$", RegexOptions.Multiline), r.Stderr);
            }
            Assert.DoesNotContain("warning", r.Stderr, StringComparison.Ordinal);
        }

        var raw = await Swarm.MustAsync(c, 1, "service", "logs", "--raw", "--tail", "2", "chat");
        Assert.Equal(3, raw.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l == "hello from the task"));
        var noIds = await Swarm.MustAsync(c, 1, "service", "logs", "--no-task-ids", "chat");
        Assert.Matches(new Regex(@"^chat\.[1-3]@n[1-3]    \| hello from", RegexOptions.Multiline), noIds.Stdout);

        // -f keeps streaming until interrupted (here: `timeout` ends it after it printed the lines).
        var follow = await ProcessRunner.RunAsync("timeout", ["5", Binaries.Orch, "-H", "unix://" + c.Socket(1), "service", "logs", "-f", "chat"],
            TimeSpan.FromSeconds(30));
        Assert.True(follow.ExitCode == 124, $"service logs -f should still be running when timeout ends it: {follow}");
        Assert.Equal(3, Regex.Matches(follow.Stdout, "hello from").Count);

        // n3 dies (kill -9 of its orchd): its task's logs are out of reach, the rest still come, and the command returns.
        await c.KillAsync(3);
        var afterKill = await c.OrchAsync(2, TimeSpan.FromSeconds(90), "service", "logs", "chat");
        Assert.True(afterKill.ExitCode == 0, afterKill.ToString());
        Assert.Matches(new Regex(@"^warning: node n3 .+; its task logs are missing$", RegexOptions.Multiline), afterKill.Stderr);
        foreach (var node in new[] { "n1", "n2" })
        {
            Assert.Matches(new Regex($@"^chat\.[1-3]\.[a-z0-9]{{12}}@{node}    \| hello from the task$", RegexOptions.Multiline), afterKill.Stdout);
        }
        Assert.DoesNotContain("@n3 ", afterKill.Stdout, StringComparison.Ordinal);

        var unknown = await c.OrchAsync(1, "service", "logs", "nosuch");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no such task or service: nosuch", unknown.Stderr, StringComparison.Ordinal);
    }
}
