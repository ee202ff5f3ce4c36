using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Chaos.Tests;

/// <summary>
/// Issue 7's chaos test: 3 managers and 2 workers in network namespaces, clients changing services and node
/// labels while the leader is killed, a worker killed, a manager cut off and nodes restarted; afterwards no
/// acknowledged change is lost, nothing is applied twice, and every service converges to its spec. Seeded:
/// the seed is printed, and <c>deploy/chaos.sh --seed N</c> replays the same schedule.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FaultsDuringWorkload_NoAcknowledgedChangeLost_ServicesConverge()
    {
        var settings = ChaosSettings.FromEnvironment(Binaries.RepoRoot);
        output.WriteLine($"chaos seed {settings.Seed} (replay: {settings.Replay}); history in {settings.OutDir}");
        await using var cluster = await TestCluster.UpAsync(5, managers: 3);
        await ImportBusyboxAsync(cluster);

        ChaosRun.Result result;
        try
        {
            result = await new ChaosRun(cluster, settings, output.WriteLine).RunAsync();
        }
        finally
        {
            // cluster.sh down removes the state directories: keep every node's log next to the history.
            Directory.CreateDirectory(settings.OutDir);
            for (var k = 1; k <= cluster.Size; k++)
            {
                if (File.Exists(cluster.LogFile(k)))
                {
                    File.Copy(cluster.LogFile(k), Path.Combine(settings.OutDir, $"n{k}.log"), overwrite: true);
                }
            }
        }

        output.WriteLine(result.Summary);
        Assert.True(result.History.Count > 0, "the workload made no call");
        Assert.True(result.Faults > 0 || settings.Faults.Count == 0, "no fault was injected");
        Assert.True(result.Violations.Count == 0,
            $"{result.Summary}\nreplay: {settings.Replay}\n{string.Join('\n', result.Violations.Take(30))}\n(history: {settings.OutDir})\n{cluster.Logs(15)}");
    }

    // The busybox image the cluster tests use, imported into every node's engine (no registry in the test).
    private static async Task ImportBusyboxAsync(TestCluster c)
    {
        for (var k = 1; k <= c.Size; k++)
        {
            var r = await ProcessRunner.RunAsync(Path.Combine(Binaries.RepoRoot, "deploy", "images", "busybox.sh"), ["busybox:latest"],
                TimeSpan.FromSeconds(60), env: new Dictionary<string, string> { ["ORCH_HOST"] = "unix://" + c.Socket(k) });
            Assert.True(r.ExitCode == 0, r.ToString());
        }
    }
}
