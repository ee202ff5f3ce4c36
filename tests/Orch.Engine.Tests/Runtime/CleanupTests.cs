using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>After `orch rm -f` of every container nothing of them remains on the machine.</summary>
public sealed class CleanupTests
{
    [Fact]
    public async Task RmForceOfEverything_LeavesNoMountProcessOrDirectory()
    {
        await using var d = await TestDaemon.StartAsync();
        BusyboxImage.Install(d);
        var ids = new List<string>();
        foreach (var args in new[]
                 {
                     new[] { "--network", "none", "-v", Path.Combine(d.Root, "bind") + ":/data", "--tmpfs", "/scratch" },
                     new[] { "--network", "host" },
                     new[] { "--network", "none", "--init", "-t" },
                 })
        {
            ids.Add(CliAssert.Ok(await d.OrchAsync(["run", "-d", .. args, BusyboxImage.Name, "sleep", "60"])).Stdout.Trim());
        }
        ids.Add(CliAssert.Ok(await d.OrchAsync("run", "-d", "--network", "container:" + ids[0], BusyboxImage.Name, "sleep", "60")).Stdout.Trim());
        ids.Add(CliAssert.Ok(await d.OrchAsync("create", "--network", "none", BusyboxImage.Name, "true")).Stdout.Trim());
        var pids = new List<int>();
        foreach (var id in ids.Take(4))
        {
            var json = System.Text.Json.JsonDocument.Parse(CliAssert.Ok(await d.OrchAsync("inspect", id)).Stdout).RootElement[0];
            pids.Add(json.GetProperty("State").GetProperty("Pid").GetInt32());
        }
        Assert.NotEmpty(LeakCheck.MountsBelow(d.Root));

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
}
