using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>After `orch rm -f` of every container nothing of them remains on the machine.</summary>
public sealed class CleanupTests
{
    [Fact]
    public async Task RmForceOfEverything_LeavesNoMountProcessOrDirectory()
    {
        await using var d = await TestDaemon.StartAsync();
        await BusyboxImage.InstallAsync(d);
        var ids = new List<string>();
        foreach (var args in new[]
                 {
                     new[] { "--network", "none", "-v", Path.Combine(d.Root, "bind") + ":/data", "--tmpfs", "/scratch" },
                     new[] { "--network", "host" },
                     new[] { "--network", "none", "--init", "-t" },
                     new[] { "-p", "127.0.0.1:" + (18500 + d.Slot) + ":80", "-m", "64m", "--pids-limit", "50" },
                 })
        {
            ids.Add(CliAssert.Ok(await d.OrchAsync(["run", "-d", .. args, BusyboxImage.Name, "sleep", "60"])).Stdout.Trim());
        }
        ids.Add(CliAssert.Ok(await d.OrchAsync("run", "-d", "--network", "container:" + ids[0], BusyboxImage.Name, "sleep", "60")).Stdout.Trim());
        ids.Add(CliAssert.Ok(await d.OrchAsync("create", "--network", "none", BusyboxImage.Name, "true")).Stdout.Trim());
        var pids = new List<int>();
        foreach (var id in ids.Where((_, i) => i != 4))
        {
            var json = System.Text.Json.JsonDocument.Parse(CliAssert.Ok(await d.OrchAsync("inspect", id)).Stdout).RootElement[0];
            pids.Add(json.GetProperty("State").GetProperty("Pid").GetInt32());
        }
        Assert.NotEmpty(LeakCheck.MountsBelow(d.Root));
        var bridged = System.Text.Json.JsonDocument.Parse(CliAssert.Ok(await d.OrchAsync("inspect", ids[3])).Stdout).RootElement[0];
        var ip = bridged.GetProperty("NetworkSettings").GetProperty("IPAddress").GetString()!;
        Assert.StartsWith("10.199.", ip);
        Assert.NotEmpty(await BridgePortsAsync(d));
        Assert.Contains(ip, (await ProcessRunner.RunAsync("iptables-save", [])).Stdout);
        Assert.NotEmpty(CgroupDirs(d, ids));

        foreach (var id in ids.AsEnumerable().Reverse())
        {
            CliAssert.Ok(await d.OrchAsync("rm", "-f", id));
        }

        Assert.Equal("", CliAssert.Ok(await d.OrchAsync("ps", "-aq")).Stdout);
        Assert.Empty(LeakCheck.MountsBelow(d.Root));
        Assert.All(pids, pid => Assert.False(File.Exists($"/proc/{pid}/cmdline"), $"container process {pid} still alive"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(d.DataRoot, "containers")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(d.ExecRoot, "containers")));
        Assert.Empty(Directory.GetFiles(Path.Combine(d.ExecRoot, "sock")));
        Assert.Empty(CgroupDirs(d, ids));
        Assert.Empty(await BridgePortsAsync(d));
        Assert.DoesNotContain(ip, (await ProcessRunner.RunAsync("iptables-save", [])).Stdout);
        // No monitor of this daemon is left (their command line names the daemon's exec root).
        foreach (var dir in Directory.GetDirectories("/proc").Where(p => int.TryParse(Path.GetFileName(p), out _)))
        {
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }
            Assert.False(cmdline.Contains(d.ExecRoot, StringComparison.Ordinal) && cmdline.Contains("orch-launch", StringComparison.Ordinal), $"leftover {cmdline}");
        }
    }

    /// <summary>Cgroup directories of these containers in any hierarchy (v1 controllers or v2).</summary>
    private static List<string> CgroupDirs(TestDaemon d, List<string> ids) =>
        [.. Directory.GetDirectories("/sys/fs/cgroup")
            .Select(h => Path.Combine(h, d.CgroupParent))
            .Where(Directory.Exists)
            .SelectMany(p => Directory.GetDirectories(p))
            .Where(dir => ids.Any(id => dir.Contains(id[..12], StringComparison.Ordinal)))];

    /// <summary>Interfaces enslaved to the daemon's bridge: the host ends of container veths.</summary>
    private static async Task<List<string>> BridgePortsAsync(TestDaemon d)
    {
        var r = await ProcessRunner.RunAsync("ip", ["-o", "link", "show", "master", d.Bridge]);
        return [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
