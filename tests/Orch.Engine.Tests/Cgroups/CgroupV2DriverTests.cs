using Orch.Engine.Runtime.Cgroups;

namespace Orch.Engine.Tests.Cgroups;

/// <summary>The v2 driver over a cgroupfs-shaped tree (<see cref="FakeCgroup2Fs"/>): which files get which values.</summary>
public sealed class CgroupV2DriverTests : IDisposable
{
    private readonly FakeCgroup2Fs fs = new("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc");

    private CgroupV2Driver Driver(string parent = "orch") => new(fs.Root, parent, fs);

    [Fact]
    public void Create_WithLimits_EnablesControllersTopDownThenWritesLimits()
    {
        var g = Driver().Create("c1", new CgroupLimits(32 << 20, 500_000_000, 16));
        Assert.Equal("2", Driver().Version);
        Assert.Equal([Path.Combine(fs.Root, "orch/c1/cgroup.procs")], g.ProcsFiles);
        Assert.Equal(
            [
                ("cgroup.subtree_control", "+memory +cpu +pids"),
                ("orch/cgroup.subtree_control", "+memory +cpu +pids"),
                ("orch/c1/memory.max", "33554432"),
                ("orch/c1/memory.swap.max", "33554432"),
                ("orch/c1/cpu.max", "50000 100000"),
                ("orch/c1/pids.max", "16"),
            ],
            fs.Writes);
        Assert.Equal("memory cpu pids", fs.Content("orch/c1/cgroup.controllers"));
        Assert.Equal("orch/c1", Assert.Single(fs.DeviceFilters).Dir);
    }

    [Fact]
    public void PrepareJoin_RewritesOurPidIntoOurOwnCgroup_AndNothingElse()
    {
        new CgroupV2Driver(fs.Root, "orch", fs, ownDirectory: fs.Root).PrepareJoin();
        Assert.Equal([("cgroup.procs", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))], fs.Writes);
    }

    [Fact]
    public void PrepareJoin_OwnCgroupMissingOrUnknown_DoesNotThrowOrWrite()
    {
        new CgroupV2Driver(fs.Root, "orch", fs, ownDirectory: Path.Combine(fs.Root, "gone")).PrepareJoin();
        Driver().PrepareJoin();
        Assert.Empty(fs.Writes);
    }

    [Fact]
    public void Create_Unlimited_LeavesMaxEverywhere()
    {
        Driver().Create("c1", new CgroupLimits(0, 0, 0));
        Assert.Equal("max", fs.Content("orch/c1/memory.max"));
        Assert.Equal("max 100000", fs.Content("orch/c1/cpu.max"));
        Assert.Equal("max", fs.Content("orch/c1/pids.max"));
        Assert.DoesNotContain(fs.Writes, w => w.File.StartsWith("orch/c1/", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_TinyCpuShare_ClampsToKernelMinimumQuota()
    {
        Driver().Create("c1", new CgroupLimits(0, 1_000_000, 0));
        Assert.Equal("1000 100000", fs.Content("orch/c1/cpu.max"));
    }

    [Fact]
    public void Create_Twice_EnablesControllersOnce_AndIsIdempotent()
    {
        var d = Driver();
        d.Create("c1", new CgroupLimits(0, 0, 8));
        d.Create("c1", new CgroupLimits(0, 0, 8));
        d.Create("c2", new CgroupLimits(0, 0, 0));
        Assert.Equal(2, fs.Writes.Count(w => w.File.EndsWith("cgroup.subtree_control", StringComparison.Ordinal)));
        Assert.Equal(["orch/c1", "orch/c2"], fs.DeviceFilters.Select(f => f.Dir));
        Assert.Equal("8", fs.Content("orch/c1/pids.max"));
    }

    [Fact]
    public void Create_NestedParent_EnablesEveryLevel()
    {
        Driver("orch-test-7/sub").Create("c1", new CgroupLimits(0, 0, 0));
        Assert.Equal(
            ["cgroup.subtree_control", "orch-test-7/cgroup.subtree_control", "orch-test-7/sub/cgroup.subtree_control"],
            fs.Writes.Select(w => w.File));
        Assert.True(Directory.Exists(Path.Combine(fs.Root, "orch-test-7/sub/c1")));
    }

    [Fact]
    public void Create_ControllerBoundToV1_FailsNamingIt_LeavesNothing()
    {
        using var hybrid = new FakeCgroup2Fs("hugetlb");
        var e = Assert.Throws<CgroupException>(() => new CgroupV2Driver(hybrid.Root, "orch", hybrid).Create("c1", new CgroupLimits(0, 0, 0)));
        Assert.Contains("memory, cpu, pids", e.Message);
        Assert.Empty(Directory.GetDirectories(hybrid.Root));
    }

    [Fact]
    public void AddProcess_WritesPid_PidsReadsThemBack()
    {
        var g = Driver().Create("c1", new CgroupLimits(0, 0, 0));
        g.AddProcess(4242);
        Assert.Equal("4242", fs.Content("orch/c1/cgroup.procs"));
        fs.Kernel("orch/c1/cgroup.procs", "4242\n17\n");
        Assert.Equal([17, 4242], g.Pids());
    }

    [Fact]
    public void Stats_ParsesMemoryCpuAndPids()
    {
        var g = Driver().Create("c1", new CgroupLimits(64 << 20, 0, 0));
        fs.Kernel("orch/c1/memory.current", "50000000\n");
        fs.Kernel("orch/c1/memory.stat", "anon 30000000\nfile 20000000\nactive_file 10000000\ninactive_file 10000000\n");
        fs.Kernel("orch/c1/cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 0\n");
        fs.Kernel("orch/c1/pids.current", "3\n");
        Assert.Equal(new CgroupStats(40_000_000, 64UL << 20, 1_500_000_000, 3), g.Stats());
    }

    [Fact]
    public void Stats_Unlimited_ShowsHostMemoryAsLimit()
    {
        var g = Driver().Create("c1", new CgroupLimits(0, 0, 0));
        var host = ulong.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        Assert.Equal(host, g.Stats().MemoryLimit);
    }

    [Fact]
    public void OomKilled_FollowsMemoryEventsOomKill()
    {
        var g = Driver().Create("c1", new CgroupLimits(32 << 20, 0, 0));
        Assert.False(g.OomKilled());
        // "oom" alone (the limit was hit, reclaim coped) is not a kill.
        fs.Kernel("orch/c1/memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\n");
        Assert.False(g.OomKilled());
        fs.Kernel("orch/c1/memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
        Assert.True(g.OomKilled());
    }

    [Fact]
    public void KillAll_UsesCgroupKillWhenPresent()
    {
        var g = Driver().Create("c1", new CgroupLimits(0, 0, 0));
        g.KillAll();
        Assert.Equal(("orch/c1/cgroup.kill", "1"), fs.Writes[^1]);
    }

    [Fact]
    public void KillAll_OlderKernel_FreezesThenThaws()
    {
        using var old = new FakeCgroup2Fs("cpu", "memory", "pids") { HasCgroupKill = false };
        new CgroupV2Driver(old.Root, "orch", old).Create("c1", new CgroupLimits(0, 0, 0)).KillAll();
        Assert.Equal([("orch/c1/cgroup.freeze", "1"), ("orch/c1/cgroup.freeze", "0")], old.Writes.TakeLast(2));
    }

    [Fact]
    public void Delete_RemovesGroup_IsIdempotent_RemoveParentOnlyWhenEmpty()
    {
        var d = Driver();
        var g1 = d.Create("c1", new CgroupLimits(0, 0, 0));
        var g2 = d.Create("c2", new CgroupLimits(0, 0, 0));
        g1.Delete();
        g1.Delete();
        Assert.False(Directory.Exists(Path.Combine(fs.Root, "orch/c1")));
        Assert.False(d.RemoveParent());
        Assert.True(Directory.Exists(Path.Combine(fs.Root, "orch/c2")));
        g2.Delete();
        Assert.True(d.RemoveParent());
        Assert.Empty(Directory.GetDirectories(fs.Root));
    }

    [Fact]
    public void Open_MissingGroup_HasNoPidsAndDeletesQuietly()
    {
        var g = Driver().Open("gone");
        Assert.Empty(g.Pids());
        Assert.False(g.OomKilled());
        g.KillAll();
        g.Delete();
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a//b")]
    [InlineData("/")]
    public void Create_BadName_Throws(string name)
    {
        Assert.Throws<CgroupException>(() => Driver().Create(name, new CgroupLimits(0, 0, 0)));
        Assert.Empty(Directory.GetDirectories(fs.Root));
    }

    public void Dispose() => fs.Dispose();
}
