using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>orch exec, including an interactive shell through a real pty (script(1) from util-linux).</summary>
public sealed class ExecTests(RuntimeFixture f) : IClassFixture<RuntimeFixture>
{
    private TestDaemon D => f.Daemon;

    private async Task<string> StartAsync(params string[] extra)
    {
        var id = CliAssert.Ok(await D.OrchAsync(["run", "-d", "--network", "none", .. extra, BusyboxImage.Name, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"])).Stdout.Trim();
        await Eventually.TrueAsync(async () => (await D.OrchAsync("exec", id, "true")).ExitCode == 0, "container accepts exec");
        return id;
    }

    [Fact]
    public async Task Exec_RunsInTheContainersNamespaces_WithItsCodeAndUser()
    {
        var id = await StartAsync("-h", "exec-box");
        try
        {
            var r = CliAssert.Ok(await D.OrchAsync("exec", "-e", "X=1", "-w", "/tmp", id, "sh", "-c", "hostname; echo $X; pwd; cat /proc/1/cmdline"));
            Assert.Equal("exec-box\n1\n/tmp\nsh\0-c\0trap 'exit 0' TERM; while true; do sleep 0.1; done\0", r.Stdout);
            CliAssert.Exit(5, await D.OrchAsync("exec", id, "sh", "-c", "exit 5"));
            Assert.Equal("uid=65534(nobody) gid=65534(nogroup)\n", CliAssert.Ok(await D.OrchAsync("exec", "-u", "nobody", id, "id")).Stdout);
            var missing = await D.OrchAsync("exec", id, "no-such-command");
            CliAssert.Exit(127, missing);
            CliAssert.OneLineError(missing, "executable file not found");
            var caps = CliAssert.Ok(await D.OrchAsync("exec", id, "grep", "CapBnd", "/proc/self/status"));
            Assert.EndsWith("00000000a80425fb", caps.Stdout.Trim());
        }
        finally
        {
            CliAssert.Ok(await D.OrchAsync("rm", "-f", id));
        }
    }

    [Fact]
    public async Task ExecIt_GivesAnInteractiveShell_ThroughAPty()
    {
        var id = await StartAsync();
        try
        {
            // script(1) runs orch on a new pty: orch sees a terminal on stdin, puts it in raw mode and
            // relays keystrokes to a shell that itself runs on a pty inside the container.
            var orch = $"{Binaries.Orch} -H unix://{D.Socket} exec -it {id} sh";
            var r = await ProcessRunner.RunAsync("/usr/bin/script", ["-qefc", orch, "/dev/null"],
                TimeSpan.FromSeconds(30), stdin: "tty; echo sum=$((40+2)); exit 7\n");
            CliAssert.Exit(7, r);
            // The shell's terminal is a pty of the container's own devpts.
            Assert.Contains("\n/dev/pts/0", r.Stdout.Replace("\r", "", StringComparison.Ordinal));
            Assert.Contains("sum=42", r.Stdout);
        }
        finally
        {
            CliAssert.Ok(await D.OrchAsync("rm", "-f", id));
        }
    }

    [Fact]
    public async Task RunIt_AttachesAnInteractiveShell_ThroughAPty()
    {
        var orch = $"{Binaries.Orch} -H unix://{D.Socket} run -it --rm --network none {BusyboxImage.Name} sh";
        var r = await ProcessRunner.RunAsync("/usr/bin/script", ["-qefc", orch, "/dev/null"],
            TimeSpan.FromSeconds(30), stdin: "echo pid=$$; tty; exit 3\n");
        CliAssert.Exit(3, r);
        Assert.Contains("pid=1", r.Stdout);
        Assert.Contains("\n/dev/pts/0", r.Stdout.Replace("\r", "", StringComparison.Ordinal));
    }
}
