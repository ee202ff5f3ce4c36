using Orch.Engine.Runtime.Cgroups;
using Orch.Testing;

namespace Orch.Engine.Tests.Cgroups;

/// <summary>
/// The v2 device program, loaded by the real kernel (its verifier) and attached to a real cgroup2 group: this
/// machine's /sys/fs/cgroup/unified holds no controller, but BPF device programs need none. The process is in
/// the root of the v1 devices hierarchy (everything allowed there), so the program alone decides.
/// </summary>
public sealed class DeviceFilterTests
{
    [Fact]
    public void Build_EncodesOneBlockPerRule()
    {
        var program = DeviceFilter.Build(["c 1:3 rwm", "b *:* m", "a"]);
        // 6 loads, then (jumps + 5) per rule: c 1:3 = 3 jumps, b *:* = 1, a = 0; then deny + exit.
        Assert.Equal((6 + 8 + 6 + 5 + 2) * 8, program.Length);
        Assert.Equal(0x95, program[^8]); // exit
    }

    [Fact]
    public async Task Attached_OnlyAllowlistOpens_MknodStillWorks()
    {
        Requirements.Root();
        var dir = "/sys/fs/cgroup/unified/orch-unit-dev-" + Guid.NewGuid().ToString("N")[..8];
        var nodes = Path.Combine(Path.GetTempPath(), "orch-devnodes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(nodes);
        try
        {
            CgroupFs.Instance.AttachDeviceFilter(dir, DeviceFilter.Build(DeviceAllowlist.Rules));
            var group = new CgroupV2("dev", CgroupFs.Instance, dir);
            using var p = GroupedProcess.Start(group,
                $"/bin/busybox mknod {nodes}/kmsg c 1 11 && /bin/busybox mknod {nodes}/null c 1 3 && echo made; "
                + $"/bin/busybox head -c 1 {nodes}/kmsg >/dev/null; echo kmsg=$?; echo x > {nodes}/null; echo null=$?; "
                + "/bin/busybox head -c 1 /dev/urandom >/dev/null; echo urandom=$?");
            p.Go();
            var r = await p.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(r.Stdout.Contains("made", StringComparison.Ordinal), r.Stdout + r.Stderr);
            Assert.Contains("kmsg=1", r.Stdout);
            Assert.Contains("Operation not permitted", r.Stderr);
            Assert.Contains("null=0", r.Stdout);
            Assert.Contains("urandom=0", r.Stdout);
        }
        finally
        {
            Directory.Delete(nodes, recursive: true);
            CgroupDirectories.Remove(CgroupFs.Instance, [dir]);
        }
        Assert.False(Directory.Exists(dir));
    }
}
