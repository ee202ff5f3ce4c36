using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>Bad input: one line naming the problem, a non-zero exit, and nothing left behind.</summary>
public sealed class BadInputTests(RuntimeFixture f) : IClassFixture<RuntimeFixture>
{
    private TestDaemon D => f.Daemon;

    public static TheoryData<string[], string, int> Cases => new()
    {
        { ["run", "no-such-image"], "Unable to find image 'no-such-image' locally", 125 },
        { ["run", "-p", "80:abc", BusyboxImage.Name], "invalid containerPort: abc", 125 },
        { ["run", "-p", "99999:80", BusyboxImage.Name], "invalid hostPort: 99999", 125 },
        { ["run", "--network", "none", "-p", "1.2.3:80:80", BusyboxImage.Name], "invalid IP address: 1.2.3", 125 },
        { ["run", "-v", "/a:/b:/c:d", BusyboxImage.Name], "invalid volume specification: '/a:/b:/c:d'", 125 },
        { ["run", "-v", "/a:relative", BusyboxImage.Name], "invalid volume specification: '/a:relative'", 125 },
        { ["run", "-v", "/a:/b:rx", BusyboxImage.Name], "invalid volume specification: '/a:/b:rx'", 125 },
        { ["run", "-m", "lots", BusyboxImage.Name], "invalid size: 'lots'", 125 },
        { ["run", "--cpus", "many", BusyboxImage.Name], "failed to parse many as a rational number", 125 },
        { ["run", "--restart", "sometimes", BusyboxImage.Name], "invalid restart policy sometimes", 125 },
        { ["run", "--network", "none", "--entrypoint", "", BusyboxImage.Name], "no command specified", 125 },
        { ["run"], "\"orch run\" requires at least 1 argument.", 125 },
        { ["run", "--network", "no-such-net", BusyboxImage.Name, "true"], "network no-such-net not found", 125 },
        { ["run", "--name", "bad name!", BusyboxImage.Name, "true"], "Invalid container name (bad name!)", 125 },
        { ["run", "--network", "none", "-u", "nobody-here", BusyboxImage.Name, "true"], "unable to find user nobody-here", 125 },
        { ["run", "--network", "none", "--rm", "--restart", "always", BusyboxImage.Name, "true"], "Conflicting options: --restart and --rm", 125 },
        // Fails in the container's rootfs setup, which runs before orchd's "go": the reason still comes back.
        { ["run", "--network", "none", "-v", "/etc/hostname:/bin/busybox/x", BusyboxImage.Name, "true"], "/bin/busybox/x: Not a directory", 125 },
        { ["start", "no-such-container"], "No such container: no-such-container", 1 },
        { ["logs", "no-such-container"], "No such container: no-such-container", 1 },
        { ["exec", "no-such-container", "true"], "No such container: no-such-container", 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_OneLineError_NothingLeft(string[] args, string message, int exitCode)
    {
        var before = Snapshot();
        var r = await D.OrchAsync(args);
        CliAssert.OneLineError(r, message);
        CliAssert.Exit(exitCode, r);
        Assert.Equal("", r.Stdout);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task NameInUse_Refused_FirstContainerUntouched()
    {
        var id = CliAssert.Ok(await D.OrchAsync("create", "--name", "taken", "--network", "none", BusyboxImage.Name, "true")).Stdout.Trim();
        try
        {
            var before = Snapshot();
            var r = await D.OrchAsync("run", "--name", "taken", "--network", "none", BusyboxImage.Name, "true");
            CliAssert.OneLineError(r, "The container name \"/taken\" is already in use by container \"" + id + "\"");
            CliAssert.Exit(125, r);
            Assert.Equal(before, Snapshot());
        }
        finally
        {
            CliAssert.Ok(await D.OrchAsync("rm", id));
        }
    }

    [Fact]
    public async Task NonRootCaller_IsRefused_WithOneLine()
    {
        var before = Snapshot();
        var r = await ProcessRunner.RunAsync("/usr/bin/setpriv",
            ["--reuid", "65534", "--regid", "65534", "--clear-groups", Binaries.Orch, "-H", "unix://" + D.Socket, "run", "--network", "none", BusyboxImage.Name, "true"]);
        CliAssert.OneLineError(r, "permission denied while trying to connect to the orch daemon socket");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(before, Snapshot());
    }

    /// <summary>What a failed command could leave: containers, their directories, mounts.</summary>
    private string Snapshot()
    {
        var containers = Path.Combine(D.DataRoot, "containers");
        var dirs = Directory.Exists(containers) ? string.Join(",", Directory.GetDirectories(containers).Order()) : "";
        var exec = Path.Combine(D.ExecRoot, "containers");
        var execDirs = Directory.Exists(exec) ? string.Join(",", Directory.GetDirectories(exec).Order()) : "";
        return $"{dirs}|{execDirs}|{string.Join(",", LeakCheck.MountsBelow(D.Root))}";
    }
}
