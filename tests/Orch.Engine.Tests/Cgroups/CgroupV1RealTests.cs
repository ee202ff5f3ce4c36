using Orch.Engine.Runtime.Cgroups;
using Orch.Testing;
using Xunit.Abstractions;

namespace Orch.Engine.Tests.Cgroups;

/// <summary>
/// The v1 driver on this machine's real hierarchies (hybrid mode), as root, with real processes.
/// One class, so its tests run one after another: the CPU test needs the machine to itself as far as it can.
/// Each test has its own parent; Dispose checks that nothing of it remains in any hierarchy.
/// </summary>
public sealed class CgroupV1RealTests : IDisposable
{
    private readonly string parent = "orch-unit-" + Guid.NewGuid().ToString("N")[..8];
    private readonly ICgroupDriver driver;

    private readonly ITestOutputHelper output;

    public CgroupV1RealTests(ITestOutputHelper output)
    {
        this.output = output;
        Requirements.Root();
        driver = CgroupDriver.Detect(parent);
    }

    [Fact]
    public void Detect_ThisMachine_IsV1WithOwnMemoryCgroupAsBase()
    {
        Assert.Equal("1", driver.Version);
        var own = CgroupLayout.ParseSelfCgroup(File.ReadAllText("/proc/self/cgroup"))["memory"];
        var g = driver.Create("detect", new CgroupLimits(0, 0, 0));
        var memoryDir = g.ProcsFiles.Select(Path.GetDirectoryName).First(d => d!.StartsWith("/sys/fs/cgroup/memory/", StringComparison.Ordinal));
        Assert.Equal($"/sys/fs/cgroup/memory{(own == "/" ? "" : own)}/{parent}/detect", memoryDir);
        // Hybrid: the v2 tree tracks the processes too.
        Assert.Contains($"/sys/fs/cgroup/unified/{parent}/detect/cgroup.procs", g.ProcsFiles);
        g.Delete();
    }

    [Fact]
    public async Task PrepareJoin_LeavesUsWhereWeWere_AndAJoinAfterItLands()
    {
        var before = File.ReadAllText("/proc/self/cgroup");
        var g = driver.Create("prepared", new CgroupLimits(0, 0, 0));
        driver.PrepareJoin();
        Assert.Equal(before, File.ReadAllText("/proc/self/cgroup"));
        using (var p = GroupedProcess.Start(g, "exec /bin/busybox sleep 30"))
        {
            Assert.Contains(p.Pid, g.Pids());
            g.KillAll();
            var r = await p.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(137, r.ExitCode);
        }
        g.Delete();
    }

    [Fact]
    public async Task Memory32m_DdOf100M_IsOomKilledWithSigkill()
    {
        var g = driver.Create("oom", new CgroupLimits(32 << 20, 0, 0));
        var dir = MemoryDir(g);
        Assert.Equal("33554432", File.ReadAllText(Path.Combine(dir, "memory.limit_in_bytes")).Trim());
        Assert.False(g.OomKilled());
        using (var p = GroupedProcess.Start(g, "exec /bin/busybox dd if=/dev/zero of=/dev/null bs=100M count=1"))
        {
            p.Go();
            var r = await p.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(r.ExitCode == 137, $"expected SIGKILL (137), got {r.ExitCode}; stderr: {r.Stderr}");
        }
        Assert.True(g.OomKilled());
        g.Delete();
    }

    [Fact]
    public async Task Memory32m_DdOf16M_FitsAndIsNotOomKilled()
    {
        var g = driver.Create("fits", new CgroupLimits(32 << 20, 0, 0));
        using (var p = GroupedProcess.Start(g, "exec /bin/busybox dd if=/dev/zero of=/dev/null bs=16M count=1"))
        {
            p.Go();
            var r = await p.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}; stderr: {r.Stderr}");
        }
        Assert.False(g.OomKilled());
        g.Delete();
    }

    [Fact]
    public async Task Pids16_ForkLoop_CannotFork_KillAllEmptiesTheGroup()
    {
        var g = driver.Create("pids", new CgroupLimits(0, 0, 16));
        using (var p = GroupedProcess.Start(g, "i=0; while [ $i -lt 30 ]; do /bin/busybox sleep 60 >/dev/null 2>&1 & i=$((i+1)); done; wait"))
        {
            p.Go();
            var r = await p.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(r.ExitCode != 0, $"the fork loop should have failed; stderr: {r.Stderr}");
            Assert.Contains("can't fork", r.Stderr);
        }
        var stats = g.Stats();
        Assert.InRange(stats.Pids, 1UL, 16UL);
        Assert.Equal((int)stats.Pids, g.Pids().Count);
        g.KillAll();
        Assert.Empty(g.Pids());
        g.Delete();
    }

    [Fact]
    public async Task Cpu02_BusyLoop_RunsMeasurablySlowerThanUnlimited()
    {
        // ~0.2–0.5 s of CPU on this machine; the same work without and with a 0.2 CPU quota, one after the other.
        // The script times itself from /proc/uptime (10 ms steps), so how late the busy test host notices the
        // exit does not count.
        const string busy = "read t0 x < /proc/uptime; i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; read t1 x < /proc/uptime; echo $t0 $t1";
        var free = driver.Create("cpu-free", new CgroupLimits(0, 0, 0));
        var slow = driver.Create("cpu-slow", new CgroupLimits(0, 200_000_000, 0));
        Assert.Equal("20000", File.ReadAllText(Path.Combine(DirIn(slow, "cpu"), "cpu.cfs_quota_us")).Trim());
        Assert.Equal("100000", File.ReadAllText(Path.Combine(DirIn(slow, "cpu"), "cpu.cfs_period_us")).Trim());
        Assert.Equal("-1", File.ReadAllText(Path.Combine(DirIn(free, "cpu"), "cpu.cfs_quota_us")).Trim());
        // The test's parent is one scheduling entity competing with every other task of the machine (other
        // sessions build here: load 5–20). Give it the largest weight, so that the comparison measures the
        // quota and not how that load happens to be shared out.
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(DirIn(free, "cpu"))!, "cpu.shares"), "262144");
        var freeRun = await RunAsync(free, busy);
        var slowRun = await RunAsync(slow, busy);
        var freeCpu = free.Stats().CpuUsageNanos / 1e9;
        var slowCpu = slow.Stats().CpuUsageNanos / 1e9;
        var slowThrottled = ReadCpuStat(slow, "nr_throttled");
        var report = $"unlimited: {freeRun.TotalSeconds:F2} s wall, {freeCpu:F2} s cpu, throttled {ReadCpuStat(free, "nr_throttled")}×; "
                     + $"0.2 cpus: {slowRun.TotalSeconds:F2} s wall, {slowCpu:F2} s cpu, throttled {slowThrottled}×";
        output.WriteLine(report);
        // In theory 5×; the machine is noisy, so ask for 2×.
        Assert.True(slowRun.TotalSeconds > 2 * freeRun.TotalSeconds, report);
        // The quota caps usage per period: at most 0.2 s of CPU per wall second (+ slack for the last period).
        Assert.True(slowCpu <= 0.2 * slowRun.TotalSeconds + 0.1, report);
        Assert.True(slowThrottled > 0 && ReadCpuStat(free, "nr_throttled") == 0, report);
        Assert.True(freeCpu > 0.05 && slowCpu > 0.05, "cpuacct.usage should count the loop; " + report);
        free.Delete();
        slow.Delete();
    }

    private static async Task<TimeSpan> RunAsync(ICgroup g, string script)
    {
        using var p = GroupedProcess.Start(g, script);
        p.Go();
        var r = await p.WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}; stderr: {r.Stderr}");
        var t = r.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return TimeSpan.FromSeconds(t[1] - t[0]);
    }

    private static ulong ReadCpuStat(ICgroup g, string key) =>
        File.ReadLines(Path.Combine(DirIn(g, "cpu"), "cpu.stat"))
            .Select(l => l.Split(' '))
            .Where(f => f[0] == key)
            .Select(f => ulong.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture))
            .Single();

    [Fact]
    public async Task Stats_SleepingShell_PlausibleNumbers()
    {
        var g = driver.Create("stats", new CgroupLimits(64 << 20, 0, 0));
        using var p = GroupedProcess.Start(g, "x=$(/bin/busybox head -c 4000000 /dev/zero | /bin/busybox tr '\\0' a); echo ready; read done");
        p.Go();
        // The pipeline's helpers (head, tr) are gone once the shell waits on `read`; on a loaded machine
        // that takes a while, so wait for it rather than for a fixed time.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (g.Pids().Count != 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        await Task.Delay(100);
        var s = g.Stats();
        Assert.Equal(64UL << 20, s.MemoryLimit);
        Assert.InRange(s.MemoryUsage, 100UL << 10, 64UL << 20);
        Assert.Equal(1UL, s.Pids);
        Assert.Equal([p.Pid], g.Pids());
        Assert.InRange(s.CpuUsageNanos, 1UL, 10_000_000_000UL);
        // Unlimited memory shows the host's memory, as docker stats does.
        var free = driver.Create("stats-free", new CgroupLimits(0, 0, 0));
        var host = ulong.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        Assert.Equal(host, free.Stats().MemoryLimit);
        free.Delete();
        g.KillAll();
        g.Delete();
    }

    [Fact]
    public void Delete_WithLiveProcess_FailsNamingIt_ThenWorksAfterKillAll()
    {
        var g = driver.Create("busy", new CgroupLimits(0, 0, 0));
        using var p = GroupedProcess.Start(g, "read forever");
        var e = Assert.Throws<CgroupException>(g.Delete);
        Assert.Contains(p.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        g.KillAll();
        g.Delete();
        Assert.All(g.ProcsFiles, f => Assert.False(Directory.Exists(Path.GetDirectoryName(f)), f));
        g.Delete(); // idempotent
    }

    [Fact]
    public async Task Devices_OnlyDockersAllowlistOpens_MknodStillWorks()
    {
        var g = driver.Create("dev", new CgroupLimits(0, 0, 0));
        var dir = Path.Combine(Path.GetTempPath(), "orch-dev-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            // Inside the group: make a node for /dev/kmsg (c 1:11, readable by root, not allowed) and one for /dev/null (allowed).
            using var p = GroupedProcess.Start(g,
                $"/bin/busybox mknod {dir}/kmsg c 1 11 && /bin/busybox mknod {dir}/null c 1 3 && echo made; "
                + $"/bin/busybox head -c 1 {dir}/kmsg >/dev/null; echo kmsg=$?; echo x > {dir}/null; echo null=$?");
            p.Go();
            var r = await p.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(r.Stdout.Contains("made", StringComparison.Ordinal), r.Stdout + r.Stderr);
            Assert.Contains("kmsg=1", r.Stdout);
            Assert.Contains("Operation not permitted", r.Stderr);
            Assert.Contains("null=0", r.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        g.Delete();
    }

    [Fact]
    public void Create_IsIdempotent_AndOpenFindsTheSameGroup()
    {
        var a = driver.Create("same", new CgroupLimits(0, 0, 32));
        var b = driver.Create("same", new CgroupLimits(0, 0, 32));
        var c = driver.Open("same");
        Assert.Equal(a.ProcsFiles, b.ProcsFiles);
        Assert.Equal(a.ProcsFiles, c.ProcsFiles);
        Assert.Equal("32", File.ReadAllText(Path.Combine(DirIn(c, "pids"), "pids.max")).Trim());
        c.Delete();
    }

    [Fact]
    public void Create_BadName_Throws_LeavesNothing()
    {
        Assert.Throws<CgroupException>(() => driver.Create("../escape", new CgroupLimits(0, 0, 0)));
        Assert.Throws<CgroupException>(() => driver.Create("", new CgroupLimits(0, 0, 0)));
    }

    private static string MemoryDir(ICgroup g) => DirIn(g, "memory");

    private static string DirIn(ICgroup g, string hierarchy) =>
        g.ProcsFiles.Select(f => Path.GetDirectoryName(f)!).First(d => d.StartsWith($"/sys/fs/cgroup/{hierarchy}/", StringComparison.Ordinal));

    public void Dispose()
    {
        // Nothing of this test may remain: what the test itself did not delete is recorded, then cleaned up
        // (so one failure does not poison the machine), then reported.
        var left = LeftDirectories();
        foreach (var name in left.Select(Path.GetFileName).Distinct())
        {
            var g = driver.Open(name!);
            g.KillAll();
            g.Delete();
        }
        Assert.True(driver.RemoveParent(), $"parent {parent} still has groups");
        Assert.True(left.Count == 0, "groups left behind by the test: " + string.Join(", ", left));
        Assert.Empty(LeftDirectories().Concat(ParentDirectories()));
    }

    private List<string> LeftDirectories() =>
        ParentDirectories().SelectMany(Directory.EnumerateDirectories).ToList();

    private List<string> ParentDirectories() =>
        Directory.GetDirectories("/sys/fs/cgroup")
            .SelectMany(h => Directory.EnumerateDirectories(h, parent, SearchOption.AllDirectories))
            .ToList();
}
