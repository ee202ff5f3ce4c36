using Orch.Testing;

namespace Orch.Cluster.Tests;

/// <summary>
/// orchd --node-memory / --node-cpus (a node advertising less than the machine has): bad values and values above
/// the machine's are refused at start with a clear message and exit code 125, before anything is set up; --help
/// documents both. What the scheduler does with them is in <see cref="ServiceOpsTests"/>. The same for --lb-remote
/// (what each mode does: LoadBalancerTests, IdleConnectionTests) and --lb-fastpath (FastPathTests).
/// </summary>
public sealed class NodeCapacityFlagsTests
{
    [Theory]
    [InlineData("--node-memory", "4096T", @"--node-memory 4194304GiB is more than this machine has \([0-9.]+[KMG]iB\)")]
    [InlineData("--node-cpus", "100000", @"--node-cpus 100000 is more than this machine has \([0-9]+\)")]
    [InlineData("--node-memory", "lots", "invalid --node-memory lots")]
    [InlineData("--node-memory", "0", "invalid --node-memory 0")]
    [InlineData("--node-cpus", "-1", "invalid --node-cpus -1")]
    [InlineData("--node-cpus", "0.0000000001", "invalid --node-cpus 0.0000000001: at most 9 decimals")]
    [InlineData("--lb-remote", "ipvs", "invalid --lb-remote ipvs: want kernel or proxy")]
    [InlineData("--lb-fastpath", "xdp", "invalid --lb-fastpath xdp: want on or off")]
    public async Task TooMuchOrInvalid_Refused_Exit125(string flag, string value, string message)
    {
        var dir = Directory.CreateTempSubdirectory("orch-capflags-");
        try
        {
            var sock = Path.Combine(dir.FullName, "orchd.sock");
            var r = await ProcessRunner.RunAsync(Binaries.Orchd,
                ["--host", "unix://" + sock, "--data-root", Path.Combine(dir.FullName, "data"), "--exec-root", Path.Combine(dir.FullName, "exec"), flag, value],
                TimeSpan.FromSeconds(60));
            Assert.Equal(125, r.ExitCode);
            Assert.Matches("^orchd: " + message, r.Stderr);
            Assert.False(File.Exists(sock), "orchd must not have started");
            Assert.False(Directory.Exists(Path.Combine(dir.FullName, "data")), "orchd must not have made its data root");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Help_DocumentsBothFlags()
    {
        var r = await ProcessRunner.RunAsync(Binaries.Orchd, ["--help"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--node-memory SIZE", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--node-cpus N", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--lb-remote MODE", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("--lb-fastpath on|off", r.Stdout, StringComparison.Ordinal);
    }
}
