using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// Images for services (issue 5): the manager pins the tag to a digest, and an image that exists only where it
/// was built runs on every node because the managers carry it — no registry anywhere.
/// </summary>
public sealed class ServiceImageTests
{
    private static readonly TimeSpan Converge = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task ImageBuiltOnNodeOneOnly_RunsOnEveryNode_PinnedToItsDigest_ThenRollsToV2()
    {
        await using var c = await TestCluster.UpAsync(3);
        await BusyboxAsync(c, 1);
        var v1 = await Services.BuildAppAsync(c, 1, "v1");
        // The point: nodes 2 and 3 have neither the app nor its base image.
        Assert.NotEqual(0, (await c.OrchAsync(2, "image", "inspect", "busybox")).ExitCode);
        Assert.NotEqual(0, (await c.OrchAsync(3, "image", "inspect", "app:v1")).ExitCode);

        var create = await c.OrchAsync(1, Converge, "service", "create", "--name", "app", "--replicas", "3", "-p", "8080:8080", "app:v1");
        Assert.True(create.ExitCode == 0, $"{create}\n{c.Logs()}");
        Assert.Contains("verify: Service converged", create.Stdout);
        Assert.DoesNotContain("could not be accessed", create.Stderr);

        var running = await RunningNodesAsync(c, "app", 3);
        Assert.Equal(["n1", "n2", "n3"], running.Order());
        for (var k = 1; k <= 3; k++)
        {
            Assert.Equal("v1", await Web.GetAsync(c.Address(k), 8080));
        }
        Assert.Equal("app:v1@" + v1, await ServiceImageAsync(c, "app"));

        var v2 = await Services.BuildAppAsync(c, 1, "v2");
        Assert.NotEqual(v1, v2);
        var update = await c.OrchAsync(1, Converge, "service", "update", "--image", "app:v2", "app");
        Assert.True(update.ExitCode == 0, $"{update}\n{c.Logs()}");
        await Eventually.MatchAsync(async () => await Web.AllServeAsync(c, "v2"), ok => ok, "every node serves v2 after the update",
            TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
        Assert.Equal("app:v2@" + v2, await ServiceImageAsync(c, "app"));
        Assert.Equal(3, (await RunningNodesAsync(c, "app", 3)).Count);
    }

    [Fact]
    public async Task ImageBuiltOnOneManager_IsCopiedToTheOthers_AndRunsAfterThatManagerDies()
    {
        await using var c = await TestCluster.UpAsync(4, managers: 3);
        await BusyboxAsync(c, 1);
        var v1 = await Services.BuildAppAsync(c, 1, "v1");
        await Swarm.MustAsync(c, 1, "service", "create", "--detach", "--name", "app", "--constraint", "node.hostname==n1", "-p", "8080:8080", "app:v1");
        await RunningNodesAsync(c, "app", 1);
        // Managers 2 and 3 run no task of it, yet each keeps a copy in its own store.
        foreach (var k in new[] { 2, 3 })
        {
            await Eventually.MatchAsync(() => c.OrchAsync(k, "image", "inspect", "app@" + v1), r => r.ExitCode == 0,
                $"manager n{k} holds a copy of app@{v1}", TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
        }

        await c.KillAsync(1);
        await Swarm.LeaderAsync(c, 2, 4, not: 1);
        // The worker n4 never had the image and the manager it was built on is gone: the survivors carry it.
        await Eventually.MatchAsync(() => c.OrchAsync(2, "service", "update", "--detach", "--constraint-rm", "node.hostname==n1",
            "--constraint-add", "node.hostname==n4", "app"), r => r.ExitCode == 0, "the update is accepted by the new leader", Swarm.Settle, TimeSpan.FromSeconds(1));
        await Eventually.MatchAsync(async () =>
        {
            try
            {
                return await Web.GetAsync(c.Address(4), 8080);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                return "";
            }
        }, body => body == "v1", "n4 serves v1", TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ImagePresentNowhere_TaskSaysNoSuchImage_CreateExitsNonZeroWithTheReason()
    {
        await using var c = await TestCluster.UpAsync(1);
        // A registry that refuses connections at once (port 1 on the node's loopback): nothing anywhere has this image.
        const string image = "127.0.0.1:1/nosuch:v1";
        var create = await c.OrchAsync(1, Converge, "service", "create", "--name", "ghost", "--restart-delay", "1s", image);
        Assert.True(create.ExitCode == 1, create.ToString());
        Assert.Contains($"image {image} could not be accessed on a registry to record its digest", create.Stderr);
        Assert.Contains("tasks keep failing", create.Stderr);
        Assert.Contains($"No such image: {image} (not on any manager; not on a registry", create.Stderr);

        var ps = await Swarm.MustAsync(c, 1, "service", "ps", "--no-trunc", "ghost");
        Assert.Contains($"No such image: {image} (not on any manager; not on a registry", ps.Stdout);
    }

    private static async Task BusyboxAsync(TestCluster c, int k)
    {
        var r = await ProcessRunner.RunAsync(Path.Combine(Binaries.RepoRoot, "deploy", "images", "busybox.sh"), ["busybox:latest"],
            TimeSpan.FromSeconds(60), env: new Dictionary<string, string> { ["ORCH_HOST"] = "unix://" + c.Socket(k), ["ORCH"] = Binaries.Orch });
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    private static async Task<string> ServiceImageAsync(TestCluster c, string service)
    {
        var r = await Swarm.MustAsync(c, 1, "service", "inspect", service);
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement[0].GetProperty("Spec").GetProperty("TaskTemplate").GetProperty("ContainerSpec").GetProperty("Image").GetString()!;
    }

    /// <summary>The nodes of the tasks `service ps` shows desired and currently Running, once there are <paramref name="count"/>.</summary>
    private static async Task<List<string>> RunningNodesAsync(TestCluster c, string service, int count, int via = 1)
    {
        static List<string> Running(string table)
        {
            var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 0)
            {
                return [];
            }
            var h = lines[0];
            var (node, desired, current, error) = (h.IndexOf("NODE", StringComparison.Ordinal), h.IndexOf("DESIRED STATE", StringComparison.Ordinal),
                h.IndexOf("CURRENT STATE", StringComparison.Ordinal), h.IndexOf("ERROR", StringComparison.Ordinal));
            string Cell(string l, int from, int to) => from >= l.Length ? "" : l[from..Math.Min(to, l.Length)].Trim();
            return lines.Skip(1)
                .Where(l => Cell(l, desired, current) == "Running" && Cell(l, current, error).StartsWith("Running", StringComparison.Ordinal))
                .Select(l => Cell(l, node, desired)).ToList();
        }
        var r = await Eventually.MatchAsync(() => c.OrchAsync(via, "service", "ps", service),
            r => r.ExitCode == 0 && Running(r.Stdout).Count == count, $"{count} tasks of {service} running", TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
        return Running(r.Stdout);
    }
}
