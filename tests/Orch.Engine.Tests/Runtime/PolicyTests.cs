using System.Diagnostics;
using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>Restart policies, --init, stats and prune.</summary>
public sealed class PolicyTests(RuntimeFixture f) : IClassFixture<RuntimeFixture>
{
    private TestDaemon D => f.Daemon;

    private async Task<JsonElement> InspectAsync(string id) => JsonDocument.Parse(CliAssert.Ok(await D.OrchAsync("inspect", id)).Stdout).RootElement[0];

    [Fact]
    public async Task OnFailure_RestartsUpToTheLimit()
    {
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--restart", "on-failure:2", "--network", "none", BusyboxImage.Name, "sh", "-c", "echo run; exit 1")).Stdout.Trim();
        // The count goes to 2 just before the third run starts (its status still "exited"): wait for its output too.
        await Eventually.TrueAsync(async () => (await InspectAsync(id)).GetProperty("RestartCount").GetInt32() == 2
            && (await InspectAsync(id)).GetProperty("State").GetProperty("Status").GetString() == "exited"
            && CliAssert.Ok(await D.OrchAsync("logs", id)).Stdout == "run\nrun\nrun\n", "two restarts, three runs logged, then exited");
        await Task.Delay(500);
        Assert.Equal("run\nrun\nrun\n", CliAssert.Ok(await D.OrchAsync("logs", id)).Stdout);
        Assert.Equal(2, (await InspectAsync(id)).GetProperty("RestartCount").GetInt32());
        CliAssert.Ok(await D.OrchAsync("rm", id));
    }

    [Fact]
    public async Task Always_RestartsAfterExit_ButNotAfterStop()
    {
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--restart", "always", "--network", "none", BusyboxImage.Name, "sh", "-c", "sleep 0.3; exit 0")).Stdout.Trim();
        await Eventually.TrueAsync(async () => (await InspectAsync(id)).GetProperty("RestartCount").GetInt32() >= 1, "restarted after a clean exit");
        CliAssert.Ok(await D.OrchAsync("stop", "-t", "1", id));
        var count = (await InspectAsync(id)).GetProperty("RestartCount").GetInt32();
        Assert.Equal("exited", (await InspectAsync(id)).GetProperty("State").GetProperty("Status").GetString());
        // Back-off is 100 ms doubling; a restart would have come by now.
        await Task.Delay(1500);
        Assert.Equal(count, (await InspectAsync(id)).GetProperty("RestartCount").GetInt32());
        Assert.Equal("exited", (await InspectAsync(id)).GetProperty("State").GetProperty("Status").GetString());
        CliAssert.Ok(await D.OrchAsync("rm", id));
    }

    [Fact]
    public async Task Init_IsPid1_ForwardsSigterm()
    {
        var ps = CliAssert.Ok(await D.OrchAsync("run", "--rm", "--init", "--network", "none", BusyboxImage.Name, "ps", "-o", "pid,args"));
        Assert.Contains("1 /dev/init init -- ps -o pid,args", ps.Stdout);
        // sleep installs no handler: without --init, as PID 1 it would ignore SIGTERM until SIGKILL.
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--init", "--network", "none", BusyboxImage.Name, "sleep", "60")).Stdout.Trim();
        await Eventually.TrueAsync(async () => (await D.OrchAsync("exec", id, "true")).ExitCode == 0, "container accepts exec");
        var sw = Stopwatch.StartNew();
        CliAssert.Ok(await D.OrchAsync("stop", "-t", "10", id));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(8), $"stop took {sw.Elapsed}");
        Assert.Equal(143, (await InspectAsync(id)).GetProperty("State").GetProperty("ExitCode").GetInt32());
        CliAssert.Ok(await D.OrchAsync("rm", id));
    }

    [Fact]
    public async Task Prune_RemovesStoppedContainersOnly()
    {
        var running = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sleep", "60")).Stdout.Trim();
        var stopped = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "true")).Stdout.Trim();
        Assert.Equal("0\n", CliAssert.Ok(await D.OrchAsync("wait", stopped)).Stdout);
        var r = CliAssert.Ok(await D.OrchAsync("container", "prune", "-f"));
        Assert.Contains(stopped, r.Stdout);
        Assert.DoesNotContain(running, r.Stdout);
        var all = CliAssert.Ok(await D.OrchAsync("ps", "-aq")).Stdout;
        Assert.Contains(running[..12], all);
        Assert.DoesNotContain(stopped[..12], all);
        CliAssert.Ok(await D.OrchAsync("rm", "-f", running));
    }

    [Fact]
    public async Task MemoryLimit_OomKill_Exits137_AndInspectSaysOomKilled()
    {
        var r = await D.OrchAsync("run", "--name", "oom-victim", "-m", "32m", "--network", "none", BusyboxImage.Name, "dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1");
        CliAssert.Exit(137, r);
        var state = (await InspectAsync("oom-victim")).GetProperty("State");
        Assert.True(state.GetProperty("OOMKilled").GetBoolean());
        Assert.Equal(137, state.GetProperty("ExitCode").GetInt32());
        CliAssert.Ok(await D.OrchAsync("rm", "oom-victim"));
    }

    [Fact]
    public async Task PidsLimit_StopsAForkLoop()
    {
        var r = await D.OrchAsync("run", "--rm", "--pids-limit", "16", "--network", "none", BusyboxImage.Name, "sh", "-c",
            "i=0; while [ $i -lt 40 ]; do sleep 5 & i=$((i+1)); done; echo started-all");
        Assert.Contains("can't fork", r.Stderr);
        Assert.DoesNotContain("started-all", r.Stdout);
    }

    [Fact]
    public async Task Stats_ShowsTheContainersUsage()
    {
        var busy = CliAssert.Ok(await D.OrchAsync("run", "-d", "-m", "64m", "--network", "none", BusyboxImage.Name, "sh", "-c", "while true; do :; done")).Stdout.Trim();
        var idle = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sleep", "1000")).Stdout.Trim();
        try
        {
            var r = CliAssert.Ok(await D.OrchAsync("stats", "--no-stream", busy, idle));
            var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("CONTAINER ID   NAME", lines[0]);
            Assert.StartsWith(busy[..12], lines[1]);
            Assert.StartsWith(idle[..12], lines[2]);
            Assert.Contains("/ 64MiB", lines[1]);
            // A busy loop shows CPU use, a sleeping process none. (How much of a CPU the loop gets depends on
            // what else the machine runs, so the test compares the two instead of expecting a fixed share.)
            static double Cpu(string line) => double.Parse(
                line.Split("   ", StringSplitOptions.RemoveEmptyEntries)[2].TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Cpu(lines[1]) > 1, r.Stdout);
            Assert.True(Cpu(lines[2]) < 1, r.Stdout);
        }
        finally
        {
            CliAssert.Ok(await D.OrchAsync("rm", "-f", busy, idle));
        }
    }
}
