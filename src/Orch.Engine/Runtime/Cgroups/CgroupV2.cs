using System.Globalization;

namespace Orch.Engine.Runtime.Cgroups;

/// <summary>One group in the unified hierarchy.</summary>
internal sealed class CgroupV2(string name, ICgroupFs fs, string directory) : ICgroup
{
    public string Name => name;

    public string Directory => directory;

    public IReadOnlyList<string> ProcsFiles => [Path.Combine(directory, "cgroup.procs")];

    public void Apply(CgroupLimits limits)
    {
        if (limits.MemoryBytes > 0)
        {
            CgroupFiles.Write(fs, directory, "memory.max", limits.MemoryBytes.ToString(CultureInfo.InvariantCulture));
            // v2 limits swap on its own (not memory+swap as v1's memsw); Docker's default is as much swap as memory.
            if (fs.FileExists(Path.Combine(directory, "memory.swap.max")))
            {
                CgroupFiles.Write(fs, directory, "memory.swap.max", limits.MemoryBytes.ToString(CultureInfo.InvariantCulture));
            }
        }
        if (limits.NanoCpus > 0)
        {
            CgroupFiles.Write(fs, directory, "cpu.max",
                string.Create(CultureInfo.InvariantCulture, $"{CgroupV1.CpuQuota(limits.NanoCpus)} {CgroupV1.CfsPeriodMicros}"));
        }
        if (limits.PidsLimit > 0)
        {
            CgroupFiles.Write(fs, directory, "pids.max", limits.PidsLimit.ToString(CultureInfo.InvariantCulture));
        }
    }

    public void AddProcess(int pid) =>
        CgroupFiles.Write(fs, directory, "cgroup.procs", pid.ToString(CultureInfo.InvariantCulture));

    public IReadOnlyList<int> Pids() => CgroupFiles.ReadPids(fs, directory).Order().ToList();

    public CgroupStats Stats()
    {
        var usage = CgroupFiles.ReadNumber(fs, directory, "memory.current");
        var inactive = CgroupFiles.ReadKey(fs, directory, "memory.stat", "inactive_file");
        var limit = Math.Min(CgroupFiles.ReadNumber(fs, directory, "memory.max"), CgroupFiles.HostMemory());
        return new CgroupStats(
            MemoryUsage: usage > inactive ? usage - inactive : usage,
            MemoryLimit: limit,
            CpuUsageNanos: CgroupFiles.ReadKey(fs, directory, "cpu.stat", "usage_usec") * 1000,
            Pids: CgroupFiles.ReadNumber(fs, directory, "pids.current"));
    }

    // memory.events: "low 0\nhigh 0\nmax N\noom N\noom_kill N\n…"; oom_kill counts processes the OOM killer took.
    public bool OomKilled() =>
        fs.DirectoryExists(directory) && CgroupFiles.ReadKey(fs, directory, "memory.events", "oom_kill") > 0;

    /// <summary>cgroup.kill (Linux 5.14+) kills every member atomically; older kernels: freeze, kill, thaw.</summary>
    public void KillAll()
    {
        if (!fs.DirectoryExists(directory))
        {
            return;
        }
        if (fs.FileExists(Path.Combine(directory, "cgroup.kill")))
        {
            CgroupFiles.Write(fs, directory, "cgroup.kill", "1");
            return;
        }
        CgroupFiles.Write(fs, directory, "cgroup.freeze", "1");
        try
        {
            _ = CgroupDirectories.WaitFor(() => CgroupFiles.ReadKey(fs, directory, "cgroup.events", "frozen") == 1, TimeSpan.FromSeconds(1));
            CgroupDirectories.KillPids(Pids());
        }
        finally
        {
            CgroupFiles.Write(fs, directory, "cgroup.freeze", "0");
        }
    }

    public void Delete() => CgroupDirectories.Remove(fs, [directory]);
}
