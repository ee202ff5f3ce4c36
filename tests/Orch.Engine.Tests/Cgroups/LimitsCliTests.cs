using System.Globalization;
using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Cgroups;

/// <summary>
/// `orch run -m / --pids-limit / --cpus` through the real CLI, daemon, launcher and kernel. One class (one daemon,
/// tests one after another): the CPU comparison wants the machine as much to itself as it can get.
/// </summary>
public sealed class LimitsCliTests : IAsyncLifetime
{
    private TestDaemon d = null!;

    public async Task InitializeAsync()
    {
        d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
    }

    public async Task DisposeAsync()
    {
        var parent = d.CgroupParent;
        await d.DisposeAsync();
        // The daemon removes its cgroup parent when it stops with no container left: nothing of it remains.
        var left = Directory.GetDirectories("/sys/fs/cgroup")
            .SelectMany(h => Directory.EnumerateDirectories(h, parent, SearchOption.AllDirectories))
            .ToList();
        Assert.True(left.Count == 0, "cgroups left behind: " + string.Join(", ", left));
    }

    [Fact]
    public async Task Memory32m_Dd100M_Exits137_InspectSaysOomKilled()
    {
        var name = "oom-" + Guid.NewGuid().ToString("N")[..8];
        var r = await d.OrchAsync("run", "--name", name, "--network", "none", "-m", "32m", "busybox",
            "dd", "if=/dev/zero", "of=/dev/null", "bs=100M", "count=1");
        Assert.True(r.ExitCode == 137, r.ToString());
        var state = Inspect(await d.OrchAsync("inspect", name)).GetProperty("State");
        Assert.True(state.GetProperty("OOMKilled").GetBoolean(), state.ToString());
        Assert.Equal(137, state.GetProperty("ExitCode").GetInt32());
        Assert.Equal(33554432, Inspect(await d.OrchAsync("inspect", name)).GetProperty("HostConfig").GetProperty("Memory").GetInt64());
        Assert.True((await d.OrchAsync("rm", name)).ExitCode == 0);
    }

    [Fact]
    public async Task Memory32m_Dd16M_Fits_NotOomKilled()
    {
        var name = "fits-" + Guid.NewGuid().ToString("N")[..8];
        var r = await d.OrchAsync("run", "--name", name, "--network", "none", "-m", "32m", "busybox",
            "dd", "if=/dev/zero", "of=/dev/null", "bs=16M", "count=1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.False(Inspect(await d.OrchAsync("inspect", name)).GetProperty("State").GetProperty("OOMKilled").GetBoolean());
        Assert.True((await d.OrchAsync("rm", name)).ExitCode == 0);
    }

    [Fact]
    public async Task PidsLimit16_ForkLoopCannotFork()
    {
        var r = await d.OrchAsync("run", "--rm", "--network", "none", "--pids-limit", "16", "busybox", "sh", "-c",
            "i=0; while [ $i -lt 30 ]; do sleep 30 >/dev/null 2>&1 & i=$((i+1)); done; echo all started");
        Assert.True(r.ExitCode != 0, r.ToString());
        Assert.Contains("can't fork", r.Stderr);
        Assert.DoesNotContain("all started", r.Stdout);

        var free = await d.OrchAsync("run", "--rm", "--network", "none", "busybox", "sh", "-c",
            "i=0; while [ $i -lt 30 ]; do sleep 1 >/dev/null 2>&1 & i=$((i+1)); done; echo all started");
        Assert.True(free.ExitCode == 0 && free.Stdout.Contains("all started", StringComparison.Ordinal), free.ToString());
    }

    [Fact]
    public async Task Cpus02_BusyLoopRunsMeasurablySlower()
    {
        // The loop times itself from /proc/uptime, so CLI and daemon overheads do not count.
        string[] busy = ["sh", "-c", "read t0 x < /proc/uptime; i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; read t1 x < /proc/uptime; echo $t0 $t1"];
        // The daemon's cgroup parent competes as one task with everything else on this shared machine;
        // made first with the largest weight, the comparison measures the quota, not the machine's load.
        var cpuParent = Path.Combine("/sys/fs/cgroup/cpu", d.CgroupParent);
        Directory.CreateDirectory(cpuParent);
        File.WriteAllText(Path.Combine(cpuParent, "cpu.shares"), "262144");
        var free = Seconds(await d.OrchAsync(["run", "--rm", "--network", "none", "busybox", .. busy]));
        var slow = Seconds(await d.OrchAsync(["run", "--rm", "--network", "none", "--cpus", "0.2", "busybox", .. busy]));
        // In theory 5×; ask for 2×.
        Assert.True(slow > 2 * free, $"unlimited {free:F2} s, --cpus 0.2 {slow:F2} s");
    }

    [Fact]
    public async Task RunningContainer_SeesItsOwnCgroups_WithLimits_AllGoneAfterRmForce()
    {
        var run = await d.OrchAsync("run", "-d", "--network", "none", "-m", "64m", "--pids-limit", "32", "--cpus", "0.5", "busybox", "sleep", "60");
        Assert.True(run.ExitCode == 0, run.ToString());
        var id = run.Stdout.Trim();
        // From inside: every hierarchy the container joined names PARENT/ID (memory below our own memory cgroup).
        var cg = await d.OrchAsync("exec", id, "cat", "/proc/self/cgroup");
        Assert.True(cg.ExitCode == 0, cg.ToString());
        var dirs = new Dictionary<string, string>();
        foreach (var line in cg.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(':', 3);
            if (f[2].EndsWith($"/{d.CgroupParent}/{id}", StringComparison.Ordinal))
            {
                dirs[f[1].Length == 0 ? "unified" : f[1]] = f[2];
            }
        }
        Assert.True(new[] { "memory", "cpu", "cpuacct", "pids", "freezer", "devices", "unified" }.All(dirs.ContainsKey), cg.Stdout);
        string Dir(string h) => "/sys/fs/cgroup/" + h + dirs[h];
        Assert.Equal("67108864", File.ReadAllText(Path.Combine(Dir("memory"), "memory.limit_in_bytes")).Trim());
        Assert.Equal("32", File.ReadAllText(Path.Combine(Dir("pids"), "pids.max")).Trim());
        Assert.Equal("50000", File.ReadAllText(Path.Combine(Dir("cpu"), "cpu.cfs_quota_us")).Trim());

        var stats = await d.OrchAsync("stats", "--no-stream", id);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        Assert.Contains("64MiB", stats.Stdout);

        Assert.True((await d.OrchAsync("rm", "-f", id)).ExitCode == 0);
        Assert.All(dirs.Keys, h => Assert.False(Directory.Exists(Dir(h)), Dir(h) + " is left after rm -f"));
    }

    private static double Seconds(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        var t = r.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return t[1] - t[0];
    }

    private static JsonElement Inspect(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement[0];
    }
}
