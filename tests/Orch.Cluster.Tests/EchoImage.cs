using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// echod:test on every node: busybox plus echod (echod/echod.c, built static with the machine's gcc), which
/// answers every UDP datagram and every TCP read on its port with "HOSTNAME DATA", so a client sees which task
/// answered. Built once on node 1 (`orch build`), copied to the others with `orch save` / `orch load` so that
/// every node has the same image. Needs busybox:latest on every node first.
/// </summary>
internal static class EchoImage
{
    public const string Ref = "echod:test";

    /// <summary>The image's command: echod on PORT (UDP and TCP).</summary>
    public static string[] Serve(int port) => ["/echod", port.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    public static async Task ImportAsync(TestCluster c)
    {
        var dir = Directory.CreateTempSubdirectory("orch-echod-").FullName;
        try
        {
            var source = Path.Combine(Binaries.RepoRoot, "tests", "Orch.Cluster.Tests", "echod", "echod.c");
            var gcc = await ProcessRunner.RunAsync("gcc", ["-O2", "-static", "-o", Path.Combine(dir, "echod"), source], TimeSpan.FromMinutes(2));
            Assert.True(gcc.ExitCode == 0, "gcc (deploy/install-deps.sh installs it): " + gcc);
            await File.WriteAllTextAsync(Path.Combine(dir, "Dockerfile"), "FROM busybox\nCOPY echod /echod\nCMD [\"/echod\", \"5353\"]\n");
            var build = await c.OrchAsync(1, TimeSpan.FromMinutes(3), "build", "-q", "-t", Ref, dir);
            Assert.True(build.ExitCode == 0, build.ToString());
            var tar = Path.Combine(dir, "echod.tar");
            await Swarm.MustAsync(c, 1, "save", "-o", tar, Ref);
            for (var k = 2; k <= c.Size; k++)
            {
                var load = await c.OrchAsync(k, TimeSpan.FromMinutes(2), "load", "-i", tar);
                Assert.True(load.ExitCode == 0, load.ToString());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
