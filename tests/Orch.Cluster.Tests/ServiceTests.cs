using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>Services on real nodes (issue 5): the scheduler, the dispatcher's assignments and the agents' engine, end to end.</summary>
public sealed class ServiceTests
{
    // A web server that says which version it is and stops at once on SIGTERM (busybox httpd as PID 1 would ignore it).
    private static string[] Server(string version) =>
        ["sh", "-c", $"mkdir -p /srv && echo {version} > /srv/index.html && trap 'exit 0' TERM; httpd -f -p 8080 -h /srv & wait"];

    [Fact]
    public async Task ThreeReplicas_OnePerNode_EachServes_ThenRollingUpdate()
    {
        await using var c = await TestCluster.UpAsync(3);
        await Services.ImportBusyboxAsync(c);

        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "web", "--replicas", "3", "-p", "8080:8080",
            "--update-parallelism", "1", "--env", "V=1", "busybox", .. Server("v1")]);

        var running = await Services.RunningAsync(c, 1, "web", 3);
        Assert.Equal(["n1", "n2", "n3"], running.Select(t => t.Node).Order());
        for (var k = 1; k <= 3; k++)
        {
            Assert.Equal("v1", await Web.GetAsync(c.Address(k), 8080));
        }

        await Swarm.MustAsync(c, 1, ["service", "update", "--detach", "--args", $"sh -c \"{Server("v2")[2]}\"", "web"]);
        await Eventually.MatchAsync(async () => await Web.AllServeAsync(c, "v2"), ok => ok, "every node serves v2 after the update",
            TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(1));
        Assert.Equal(3, (await Services.RunningAsync(c, 1, "web", 3)).Count);
    }
}
