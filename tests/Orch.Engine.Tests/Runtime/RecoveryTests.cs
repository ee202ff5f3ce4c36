using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>Containers outlive orchd: kill -9 of the daemon, then a new daemon finds them again.</summary>
public sealed class RecoveryTests
{
    [Fact]
    public async Task DaemonKilled_ContainersKeepRunning_PsListsThem_StopWorks()
    {
        await using var d = await TestDaemon.StartAsync();
        await BusyboxImage.InstallAsync(d);
        var a = CliAssert.Ok(await d.OrchAsync("run", "-d", "--name", "survivor", "--network", "none", BusyboxImage.Name,
            "sh", "-c", "trap 'echo term; exit 0' TERM; while true; do echo tick; sleep 0.2; done")).Stdout.Trim();
        var b = CliAssert.Ok(await d.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sleep", "1")).Stdout.Trim();
        var pid = Pid(await d.OrchAsync("inspect", a));

        await d.KillAsync();
        // While no daemon runs, b exits and a keeps logging.
        await Eventually.TrueAsync(() => Task.FromResult(!Directory.Exists($"/proc/{Pid0(b, d)}")), "container b exits while orchd is down", TimeSpan.FromSeconds(10));
        Assert.True(File.Exists($"/proc/{pid}/cmdline"), "container a died with orchd");

        await d.StartProcessAsync();
        var ps = CliAssert.Ok(await d.OrchAsync("ps"));
        Assert.Contains("survivor", ps.Stdout);
        Assert.Contains("Up ", ps.Stdout);
        Assert.Equal(pid, Pid(await d.OrchAsync("inspect", a)));
        var bRow = CliAssert.Ok(await d.OrchAsync("ps", "-a")).Stdout.Split('\n').Single(l => l.StartsWith(b[..12], StringComparison.Ordinal));
        Assert.True(bRow.Contains("Exited (0)", StringComparison.Ordinal), bRow + "\n" + d.ReadLog());

        CliAssert.Ok(await d.OrchAsync("stop", a));
        Assert.Equal("0\n", CliAssert.Ok(await d.OrchAsync("wait", a)).Stdout);
        var logs = CliAssert.Ok(await d.OrchAsync("logs", a)).Stdout;
        Assert.EndsWith("term\n", logs);
        Assert.False(File.Exists($"/proc/{pid}/cmdline"));
        CliAssert.Ok(await d.OrchAsync("rm", a, b));
        Assert.Empty(LeakCheck.MountsBelow(d.Root));
    }

    [Fact]
    public async Task DaemonStoppedCleanly_ContainersKeepRunning_AndAreFoundAgain()
    {
        await using var d = await TestDaemon.StartAsync();
        await BusyboxImage.InstallAsync(d);
        var id = CliAssert.Ok(await d.OrchAsync("run", "-d", BusyboxImage.Name, "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done")).Stdout.Trim();
        var pid = Pid(await d.OrchAsync("inspect", id));
        await d.StopAsync();
        Assert.True(File.Exists($"/proc/{pid}/cmdline"), "container died with a SIGTERM'd orchd");
        await d.StartProcessAsync();
        Assert.Contains("Up ", CliAssert.Ok(await d.OrchAsync("ps")).Stdout);
        Assert.Equal(pid, Pid(await d.OrchAsync("inspect", id)));
        CliAssert.Ok(await d.OrchAsync("stop", id));
        Assert.Equal("0\n", CliAssert.Ok(await d.OrchAsync("wait", id)).Stdout);
        CliAssert.Ok(await d.OrchAsync("rm", id));
        Assert.Empty(LeakCheck.MountsBelow(d.Root));
    }

    [Fact]
    public async Task RestartAlways_ComesBackWhenTheDaemonStartsAfterAReboot()
    {
        await using var d = await TestDaemon.StartAsync();
        await BusyboxImage.InstallAsync(d);
        var id = CliAssert.Ok(await d.OrchAsync("run", "-d", "--restart", "always", "--network", "none", BusyboxImage.Name, "sleep", "300")).Stdout.Trim();
        var plain = CliAssert.Ok(await d.OrchAsync("run", "-d", "--network", "none", BusyboxImage.Name, "sleep", "300")).Stdout.Trim();
        var inspect = JsonDocument.Parse(CliAssert.Ok(await d.OrchAsync("inspect", id)).Stdout).RootElement[0];
        var oldPid = inspect.GetProperty("State").GetProperty("Pid").GetInt32();
        var merged = inspect.GetProperty("GraphDriver").GetProperty("Data").GetProperty("MergedDir").GetString()!;
        var plainPid = Pid(await d.OrchAsync("inspect", plain));

        // A reboot: the daemon, every monitor and container die, and the exec root (a tmpfs) is emptied.
        await d.KillAsync();
        foreach (var monitor in new[] { MonitorOf(oldPid), MonitorOf(plainPid) })
        {
            _ = await ProcessRunner.RunAsync("/bin/kill", ["-9", monitor.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        _ = await ProcessRunner.RunAsync("/bin/kill", ["-9", oldPid.ToString(System.Globalization.CultureInfo.InvariantCulture), plainPid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await Eventually.TrueAsync(() => Task.FromResult(!File.Exists($"/proc/{oldPid}/cmdline")), "old container gone");
        LeakCheck.UnmountBelow(d.ExecRoot);
        Directory.Delete(d.ExecRoot, recursive: true);
        Assert.False(Directory.Exists(merged));

        await d.StartProcessAsync();
        await Eventually.TrueAsync(async () => (await d.OrchAsync("ps")).Stdout.Contains(id[..12]), "restart-always container running again");
        var newPid = Pid(await d.OrchAsync("inspect", id));
        Assert.NotEqual(oldPid, newPid);
        Assert.Contains("Exited (255)", CliAssert.Ok(await d.OrchAsync("ps", "-a")).Stdout.Split('\n').Single(l => l.StartsWith(plain[..12], StringComparison.Ordinal)));
        CliAssert.Ok(await d.OrchAsync("rm", "-f", id, plain));
        Assert.Empty(LeakCheck.MountsBelow(d.Root));
    }

    private static int Pid(CommandResult inspect) =>
        JsonDocument.Parse(CliAssert.Ok(inspect).Stdout).RootElement[0].GetProperty("State").GetProperty("Pid").GetInt32();

    private static int Pid0(string id, TestDaemon d) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(d.DataRoot, "containers", id, "config.json"))).RootElement.GetProperty("State").GetProperty("Pid").GetInt32();

    /// <summary>The monitor is the container init's parent (field 4 of /proc/PID/stat).</summary>
    private static int MonitorOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
