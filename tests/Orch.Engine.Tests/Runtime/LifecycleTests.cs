using System.Diagnostics;
using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>run/create/start/stop/kill/wait/logs/inspect/rm through the real CLI, with Docker's exit codes.</summary>
public sealed class LifecycleTests(RuntimeFixture f) : IClassFixture<RuntimeFixture>
{
    private TestDaemon D => f.Daemon;

    private static JsonElement Inspect(CommandResult r) => JsonDocument.Parse(r.Stdout).RootElement[0];

    [Fact]
    public async Task Run_ExitsWithTheContainersCode_AndPrintsItsOutput()
    {
        var r = await D.OrchAsync("run", "--rm", "--network", "none", BusyboxImage.Name, "sh", "-c", "echo out; echo err >&2; exit 3");
        CliAssert.Exit(3, r);
        Assert.Equal("out\n", r.Stdout);
        Assert.Equal("err\n", r.Stderr);
    }

    [Fact]
    public async Task Run_CommandNotFound_Exits127()
    {
        var r = await D.OrchAsync("run", "--rm", "--network", "none", BusyboxImage.Name, "no-such-command");
        CliAssert.Exit(127, r);
        CliAssert.OneLineError(r, "executable file not found in $PATH");
    }

    [Fact]
    public async Task Run_CommandNotExecutable_Exits126()
    {
        var r = await D.OrchAsync("run", "--rm", "--network", "none", BusyboxImage.Name, "/etc/passwd");
        CliAssert.Exit(126, r);
        CliAssert.OneLineError(r, "permission denied");
    }

    [Fact]
    public async Task Run_Stdin_WithInteractive()
    {
        var r = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + D.Socket, "run", "-i", "--rm", "--network", "none", BusyboxImage.Name, "tr", "a-z", "A-Z"], stdin: "hello\n");
        CliAssert.Ok(r);
        Assert.Equal("HELLO\n", r.Stdout);
    }

    [Fact]
    public async Task RunDetached_PrintsId_PsListsIt_InspectShowsState()
    {
        var r = CliAssert.Ok(await D.OrchAsync("run", "-d", "--name", "lc-detached", "--network", "none", BusyboxImage.Name, "sleep", "60"));
        var id = r.Stdout.Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        try
        {
            var ps = CliAssert.Ok(await D.OrchAsync("ps"));
            var lines = ps.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("CONTAINER ID   IMAGE", lines[0]);
            var row = lines.Single(l => l.StartsWith(id[..12], StringComparison.Ordinal));
            Assert.Contains("\"sleep 60\"", row);
            Assert.Contains("Up ", row);
            Assert.EndsWith("lc-detached", row);
            var state = Inspect(CliAssert.Ok(await D.OrchAsync("inspect", "lc-detached"))).GetProperty("State");
            Assert.Equal("running", state.GetProperty("Status").GetString());
            Assert.True(state.GetProperty("Running").GetBoolean());
            var pid = state.GetProperty("Pid").GetInt32();
            Assert.Contains("sleep", File.ReadAllText($"/proc/{pid}/cmdline"));
        }
        finally
        {
            CliAssert.Ok(await D.OrchAsync("rm", "-f", id));
        }
        Assert.DoesNotContain(id[..12], (await D.OrchAsync("ps", "-a")).Stdout);
    }

    [Fact]
    public async Task Stop_SendsSigtermFirst()
    {
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sh", "-c", "trap 'echo got-term; exit 0' TERM; while true; do sleep 0.1; done")).Stdout.Trim();
        await Eventually.TrueAsync(async () => (await D.OrchAsync("exec", id, "true")).ExitCode == 0, "container accepts exec");
        var sw = Stopwatch.StartNew();
        CliAssert.Ok(await D.OrchAsync("stop", id));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"stop took {sw.Elapsed}");
        Assert.Equal("0\n", CliAssert.Ok(await D.OrchAsync("wait", id)).Stdout);
        Assert.Contains("got-term", CliAssert.Ok(await D.OrchAsync("logs", id)).Stdout);
        CliAssert.Ok(await D.OrchAsync("rm", id));
    }

    [Fact]
    public async Task Stop_KillsAfterTheTimeout_WhenSigtermIsIgnored()
    {
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done")).Stdout.Trim();
        await Eventually.TrueAsync(async () => (await D.OrchAsync("exec", id, "true")).ExitCode == 0, "container accepts exec");
        var sw = Stopwatch.StartNew();
        CliAssert.Ok(await D.OrchAsync("stop", "-t", "2", id));
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(2) && sw.Elapsed < TimeSpan.FromSeconds(6), $"stop took {sw.Elapsed}");
        var state = Inspect(CliAssert.Ok(await D.OrchAsync("inspect", id))).GetProperty("State");
        Assert.Equal("exited", state.GetProperty("Status").GetString());
        Assert.Equal(137, state.GetProperty("ExitCode").GetInt32());
        Assert.Contains("Exited (137)", CliAssert.Ok(await D.OrchAsync("ps", "-a")).Stdout);
        CliAssert.Ok(await D.OrchAsync("rm", id));
    }

    [Fact]
    public async Task Kill_WithSignal_And_Wait_ReturnsTheCode()
    {
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sh", "-c", "trap 'exit 42' USR1; while true; do sleep 0.1; done")).Stdout.Trim();
        await Eventually.TrueAsync(async () => (await D.OrchAsync("exec", id, "true")).ExitCode == 0, "container accepts exec");
        CliAssert.Ok(await D.OrchAsync("kill", "-s", "USR1", id));
        Assert.Equal("42\n", CliAssert.Ok(await D.OrchAsync("wait", id)).Stdout);
        var k = await D.OrchAsync("kill", id);
        CliAssert.OneLineError(k, "is not running");
        CliAssert.Ok(await D.OrchAsync("rm", id));
    }

    [Fact]
    public async Task LogsFollow_StreamsUntilExit()
    {
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sh", "-c", "for i in 1 2 3 4 5; do echo line$i; sleep 0.2; done; echo bye >&2")).Stdout.Trim();
        var sw = Stopwatch.StartNew();
        var r = CliAssert.Ok(await D.OrchAsync("logs", "-f", id));
        // -f returned only when the container ended (≈1 s of output), with every line in order.
        Assert.True(sw.Elapsed > TimeSpan.FromMilliseconds(500), $"logs -f returned after {sw.Elapsed}");
        Assert.Equal("line1\nline2\nline3\nline4\nline5\n", r.Stdout);
        Assert.Equal("bye\n", r.Stderr);
        // --tail counts lines of both streams, as Docker's.
        var tail = CliAssert.Ok(await D.OrchAsync("logs", "--tail", "2", id));
        Assert.Equal("line5\n", tail.Stdout);
        Assert.Equal("bye\n", tail.Stderr);
        var stamped = CliAssert.Ok(await D.OrchAsync("logs", "-t", id)).Stdout.Split('\n')[0];
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line1$", stamped);
        CliAssert.Ok(await D.OrchAsync("rm", id));
    }

    [Fact]
    public async Task CreateThenStart_RunsTheConfiguredProcess()
    {
        var id = CliAssert.Ok(await D.OrchAsync("create", "--network", "none", "-e", "GREETING=hi", "-w", "/tmp/work", BusyboxImage.Name, "sh", "-c", "echo $GREETING from $(pwd)")).Stdout.Trim();
        Assert.Contains("Created", CliAssert.Ok(await D.OrchAsync("ps", "-a")).Stdout);
        CliAssert.Ok(await D.OrchAsync("start", id));
        Assert.Equal("0\n", CliAssert.Ok(await D.OrchAsync("wait", id)).Stdout);
        Assert.Equal("hi from /tmp/work\n", CliAssert.Ok(await D.OrchAsync("logs", id)).Stdout);
        var inspect = Inspect(CliAssert.Ok(await D.OrchAsync("inspect", id)));
        Assert.Contains("GREETING=hi", inspect.GetProperty("Config").GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("overlay2", inspect.GetProperty("GraphDriver").GetProperty("Name").GetString());
        CliAssert.Ok(await D.OrchAsync("rm", id));
    }

    [Fact]
    public async Task Rm_OfARunningContainer_NeedsForce()
    {
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sleep", "60")).Stdout.Trim();
        var r = await D.OrchAsync("rm", id);
        CliAssert.OneLineError(r, "container is running");
        CliAssert.Ok(await D.OrchAsync("rm", "-f", id));
    }

    [Fact]
    public async Task RunRm_LeavesNothing()
    {
        CliAssert.Ok(await D.OrchAsync("run", "--rm", "--name", "lc-rm", "--network", "none", BusyboxImage.Name, "true"));
        Assert.DoesNotContain("lc-rm", CliAssert.Ok(await D.OrchAsync("ps", "-a")).Stdout);
        // The name is free again at once.
        CliAssert.Ok(await D.OrchAsync("run", "--rm", "--name", "lc-rm", "--network", "none", BusyboxImage.Name, "true"));
    }
}
