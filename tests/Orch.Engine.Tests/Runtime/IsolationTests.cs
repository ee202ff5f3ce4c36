using System.Security.Cryptography;
using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>Isolation as seen from inside a container, through the real CLI (issue 2's first acceptance point).</summary>
public sealed class IsolationTests(RuntimeFixture f) : IClassFixture<RuntimeFixture>
{
    private Task<CommandResult> Run(params string[] args) => f.Daemon.OrchAsync(["run", "--rm", "--network", "none", .. args]);

    [Fact]
    public async Task Ps_ShowsCommandAsPid1AndNothingOfTheHost()
    {
        var r = CliAssert.Ok(await Run(BusyboxImage.Name, "sh", "-c", "ps -o pid,args; true"));
        var rows = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Trim()).ToList();
        Assert.StartsWith("1 sh -c ps -o pid,args; true", rows[0]);
        // Only the shell and ps itself: no orchd, no host init, no test runner.
        Assert.True(rows.Count == 2, r.ToString());
    }

    [Fact]
    public async Task Hostname_IsTheContainers()
    {
        var r = CliAssert.Ok(await Run("-h", "box1", BusyboxImage.Name, "hostname"));
        Assert.Equal("box1", r.Stdout.Trim());
        var id = CliAssert.Ok(await Run(BusyboxImage.Name, "cat", "/etc/hostname")).Stdout.Trim();
        Assert.Matches("^[0-9a-f]{12}$", id);
        Assert.NotEqual(Environment.MachineName, id);
    }

    [Fact]
    public async Task Mountinfo_ShowsTheOverlayRoot()
    {
        var r = CliAssert.Ok(await Run(BusyboxImage.Name, "cat", "/proc/self/mountinfo"));
        var root = r.Stdout.Split('\n').Single(l => l.Split(' ').ElementAtOrDefault(4) == "/");
        Assert.Contains(" - overlay overlay ", root);
        Assert.Contains("lowerdir=" + f.ImageDir, root);
    }

    [Fact]
    public async Task HostFiles_OutsideBindMounts_AreUnreachable()
    {
        var dir = Directory.CreateTempSubdirectory("orch-host-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "secret"), "host-secret");
            var outside = await Run(BusyboxImage.Name, "sh", "-c", $"cat {dir.FullName}/secret; ls /tmp; cat /proc/1/root{dir.FullName}/secret");
            Assert.DoesNotContain("host-secret", outside.Stdout);
            Assert.NotEqual(0, outside.ExitCode);
            var bound = CliAssert.Ok(await Run("-v", dir.FullName + ":/data:ro", BusyboxImage.Name, "sh", "-c", "cat /data/secret; echo x > /data/new || echo read-only"));
            Assert.Contains("host-secret", bound.Stdout);
            Assert.Contains("read-only", bound.Stdout);
            Assert.False(File.Exists(Path.Combine(dir.FullName, "new")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ProcSys_IsReadOnly()
    {
        var r = await Run(BusyboxImage.Name, "sh", "-c", "echo 1 > /proc/sys/kernel/domainname");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Read-only file system", r.Stderr);
    }

    [Fact]
    public async Task MountTmpfs_FailsWithoutCapSysAdmin()
    {
        var r = await Run(BusyboxImage.Name, "sh", "-c", "mkdir -p /mnt && mount -t tmpfs none /mnt");
        Assert.NotEqual(0, r.ExitCode);
        // busybox words EPERM as "permission denied (are you root?)".
        Assert.Matches("(?i)permission denied|not permitted", r.Stderr);
    }

    [Fact]
    public async Task Dev_HasOnlyTheMinimalDevices()
    {
        var r = CliAssert.Ok(await Run(BusyboxImage.Name, "ls", "/dev"));
        var names = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToList();
        Assert.Equal(["fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"], names);
        // No block device at all (the host's disks, loop devices).
        var blocks = CliAssert.Ok(await Run(BusyboxImage.Name, "find", "/dev", "-type", "b"));
        Assert.Equal("", blocks.Stdout.Trim());
    }

    [Fact]
    public async Task Capabilities_AreDockersDefaultSet_AndNoNewPrivs()
    {
        var r = CliAssert.Ok(await Run(BusyboxImage.Name, "cat", "/proc/self/status"));
        string Field(string name) => r.Stdout.Split('\n').Single(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split('\t', 2)[1].Trim();
        // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP
        Assert.Equal("00000000a80425fb", Field("CapBnd"));
        Assert.Equal("00000000a80425fb", Field("CapEff"));
        Assert.Equal("0000000000000000", Field("CapInh"));
        Assert.Equal("0000000000000000", Field("CapAmb"));
        Assert.Equal("1", Field("NoNewPrivs"));
    }

    [Fact]
    public async Task MaskedPaths_AreEmpty()
    {
        // On the host these have content; in the container /dev/null or an empty tmpfs covers them.
        Assert.NotEmpty(File.ReadAllText("/proc/timer_list"));
        Assert.NotEmpty(Directory.GetFileSystemEntries("/sys/firmware"));
        var r = CliAssert.Ok(await Run(BusyboxImage.Name, "sh", "-c", "wc -c < /proc/timer_list; wc -c < /proc/keys; ls /sys/firmware | wc -l"));
        Assert.Equal(["0", "0", "0"], r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
    }

    [Fact]
    public async Task User_IsResolvedFromTheImagesPasswd()
    {
        var r = CliAssert.Ok(await Run("-u", "www-data", BusyboxImage.Name, "id"));
        Assert.Equal("uid=33(www-data) gid=33(www-data)", r.Stdout.Trim());
        Assert.Equal("uid=65534(nobody) gid=5(tty)", CliAssert.Ok(await Run("-u", "nobody:tty", BusyboxImage.Name, "id")).Stdout.Trim());
        var caps = CliAssert.Ok(await Run("-u", "1000", BusyboxImage.Name, "grep", "CapEff", "/proc/self/status"));
        Assert.EndsWith("0000000000000000", caps.Stdout.Trim());
    }

    [Fact]
    public async Task FileWrittenInOneContainer_IsInvisibleInAnother_AndTheLayerIsUnchanged()
    {
        var before = HashTree(f.ImageDir);
        var d = f.Daemon;
        var a = CliAssert.Ok(await d.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sh", "-c", "echo mine > /etc/written; rm /bin/ls; sleep 30")).Stdout.Trim();
        var b = CliAssert.Ok(await d.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sleep", "30")).Stdout.Trim();
        try
        {
            await Eventually.TrueAsync(async () => (await d.OrchAsync("exec", a, "cat", "/etc/written")).Stdout.Contains("mine"), "file written in container a");
            var inB = await d.OrchAsync("exec", b, "sh", "-c", "cat /etc/written; ls /bin/ls");
            Assert.DoesNotContain("mine", inB.Stdout);
            Assert.Contains("/bin/ls", inB.Stdout);
        }
        finally
        {
            CliAssert.Ok(await d.OrchAsync("rm", "-f", a, b));
        }
        Assert.Equal(before, HashTree(f.ImageDir));
    }

    private static string HashTree(string root)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes($"{Path.GetRelativePath(root, path)}|{info.LinkTarget}|{(info.Exists ? info.Length : -1)}|{info.LastWriteTimeUtc.Ticks}\n"));
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }
}
