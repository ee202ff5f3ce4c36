using Orch.Engine.Runtime.Cgroups;

namespace Orch.Engine.Tests.Cgroups;

/// <summary>Detection from /proc/self/mountinfo and /proc/self/cgroup texts as the kernel writes them.</summary>
public sealed class CgroupLayoutTests
{
    // This machine (Debian 12, kernel 6.18, sandbox): hybrid, cpu and cpuacct on separate hierarchies.
    private const string HybridMountinfo = """
        23 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
        37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    private const string HybridSelf = """
        9:name=systemd:/
        8:pids:/
        7:blkio:/
        6:freezer:/
        5:devices:/
        4:memory:/process_api/8de0adff2699094923149cd364d28847
        3:cpuset:/
        2:cpuacct:/
        1:cpu:/
        0::/
        """;

    // A systemd machine in legacy mode: co-mounted cpu,cpuacct and net_cls,net_prio, no cgroup2 at all.
    private const string LegacyMountinfo = """
        25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
        26 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
        29 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
        30 25 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
        31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio
        32 25 0:29 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids
        33 25 0:30 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,freezer
        """;

    private const string LegacySelf = """
        12:pids:/system.slice/orchd.service
        11:freezer:/
        6:memory:/system.slice/orchd.service
        4:cpu,cpuacct:/system.slice/orchd.service
        1:name=systemd:/system.slice/orchd.service
        """;

    // A current distribution: cgroup2 at the root, nothing else.
    private const string UnifiedMountinfo = """
        24 18 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        27 24 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        """;

    [Fact]
    public void Parse_ThisMachine_IsHybridWithOwnMemoryCgroup()
    {
        var l = CgroupLayout.Parse(HybridMountinfo, HybridSelf, "/sys/fs/cgroup");
        Assert.Equal(CgroupMode.Hybrid, l.Mode);
        Assert.Equal("/sys/fs/cgroup/memory/process_api/8de0adff2699094923149cd364d28847", l.V1["memory"].OwnDirectory);
        Assert.Equal("/sys/fs/cgroup/cpu", l.V1["cpu"].OwnDirectory);
        Assert.Equal("/sys/fs/cgroup/cpuacct", l.V1["cpuacct"].OwnDirectory);
        Assert.Equal("/sys/fs/cgroup/unified", l.Unified!.OwnDirectory);
        Assert.False(l.V1.ContainsKey("systemd"));
        Assert.False(l.V1.ContainsKey("name=systemd"));
    }

    [Fact]
    public void Detect_Hybrid_GivesV1DriverJoiningEveryHierarchyAndTheTrackingTree()
    {
        using var fs = new FakeCgroup2Fs();
        var d = CgroupDriver.Detect(HybridMountinfo, HybridSelf, "/sys/fs/cgroup", "orch-test-3", fs);
        Assert.Equal("1", d.Version);
        Assert.Equal(
            [
                "/sys/fs/cgroup/memory/process_api/8de0adff2699094923149cd364d28847/orch-test-3/abc/cgroup.procs",
                "/sys/fs/cgroup/cpu/orch-test-3/abc/cgroup.procs",
                "/sys/fs/cgroup/cpuacct/orch-test-3/abc/cgroup.procs",
                "/sys/fs/cgroup/pids/orch-test-3/abc/cgroup.procs",
                "/sys/fs/cgroup/freezer/orch-test-3/abc/cgroup.procs",
                "/sys/fs/cgroup/devices/orch-test-3/abc/cgroup.procs",
                "/sys/fs/cgroup/unified/orch-test-3/abc/cgroup.procs",
            ],
            d.Open("abc").ProcsFiles);
    }

    [Fact]
    public void Detect_LegacyWithCoMountedCpu_JoinsSharedHierarchyOnce()
    {
        var l = CgroupLayout.Parse(LegacyMountinfo, LegacySelf, "/sys/fs/cgroup");
        Assert.Equal(CgroupMode.Legacy, l.Mode);
        Assert.Null(l.Unified);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/system.slice/orchd.service", l.V1["cpuacct"].OwnDirectory);
        Assert.Equal(l.V1["cpu"], l.V1["cpuacct"]);
        using var fs = new FakeCgroup2Fs();
        var d = CgroupDriver.Detect(LegacyMountinfo, LegacySelf, "/sys/fs/cgroup", "orch", fs);
        Assert.Equal(
            [
                "/sys/fs/cgroup/memory/system.slice/orchd.service/orch/x/cgroup.procs",
                "/sys/fs/cgroup/cpu,cpuacct/system.slice/orchd.service/orch/x/cgroup.procs",
                "/sys/fs/cgroup/pids/system.slice/orchd.service/orch/x/cgroup.procs",
                "/sys/fs/cgroup/freezer/orch/x/cgroup.procs",
            ],
            d.Open("x").ProcsFiles);
    }

    [Fact]
    public void Detect_Unified_GivesV2DriverAtTheRoot()
    {
        using var fs = new FakeCgroup2Fs("cpu", "memory", "pids");
        var mountinfo = UnifiedMountinfo.Replace("/sys/fs/cgroup", fs.Root, StringComparison.Ordinal);
        var d = CgroupDriver.Detect(mountinfo, "0::/user.slice/user-0.slice/session-1.scope\n", fs.Root, "orch", fs);
        Assert.Equal("2", d.Version);
        // Not below our own cgroup: v2 forbids enabling controllers in a cgroup that holds processes.
        Assert.Equal([Path.Combine(fs.Root, "orch/x/cgroup.procs")], d.Create("x", new CgroupLimits(0, 0, 0)).ProcsFiles);
    }

    [Fact]
    public void Parse_MountShowsSubtree_OwnPathIsMadeRelativeToIt()
    {
        // Inside a container without a cgroup namespace: the hierarchy is mounted from /docker/abc.
        const string mi = "40 31 0:32 /docker/abc /sys/fs/cgroup/memory ro,relatime - cgroup cgroup rw,memory\n";
        var l = CgroupLayout.Parse(mi, "4:memory:/docker/abc/inner\n", "/sys/fs/cgroup");
        Assert.Equal("/sys/fs/cgroup/memory/inner", l.V1["memory"].OwnDirectory);
    }

    [Fact]
    public void Parse_EscapedMountPoint_IsDecoded()
    {
        const string mi = "40 31 0:32 / /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory\n";
        Assert.Equal("/sys/fs/cgroup/my mem", CgroupLayout.Parse(mi, "", "/sys/fs/cgroup").V1["memory"].MountPoint);
    }

    [Fact]
    public void Parse_NoCgroupMounted_FailsNamingTheRoot()
    {
        var e = Assert.Throws<CgroupException>(() => CgroupLayout.Parse("23 1 0:21 / /sys rw - sysfs sysfs rw\n", "", "/sys/fs/cgroup"));
        Assert.Contains("/sys/fs/cgroup", e.Message);
    }

    [Fact]
    public void Detect_V1WithoutFreezer_FailsNamingIt()
    {
        var mi = string.Join('\n', HybridMountinfo.Split('\n').Where(l => !l.Contains("freezer", StringComparison.Ordinal)));
        using var fs = new FakeCgroup2Fs();
        var e = Assert.Throws<CgroupException>(() => CgroupDriver.Detect(mi, HybridSelf, "/sys/fs/cgroup", "orch", fs));
        Assert.Contains("freezer", e.Message);
    }
}
