namespace Orch.Engine.Runtime.Cgroups;

/// <summary>One group across the v1 hierarchies (plus the v2 tracking group in hybrid mode).</summary>
internal sealed class CgroupV1 : ICgroup
{
    /// <summary>Period of the CFS quota, as runc and Docker use: quota = cpus × 100 ms.</summary>
    internal const long CfsPeriodMicros = 100_000;

    private readonly ICgroupFs fs;
    private readonly string memory;
    private readonly string cpu;
    private readonly string cpuacct;
    private readonly string pids;
    private readonly string freezer;
    private readonly string? devices;

    public CgroupV1(string name, ICgroupFs fs, string memory, string cpu, string cpuacct, string pids, string freezer, string? devices, string? tracking)
    {
        this.devices = devices;
        Name = name;
        this.fs = fs;
        this.memory = memory;
        this.cpu = cpu;
        this.cpuacct = cpuacct;
        this.pids = pids;
        this.freezer = freezer;
        var dirs = new List<string> { memory, cpu, cpuacct, pids, freezer };
        if (devices is not null)
        {
            dirs.Add(devices);
        }
        if (tracking is not null)
        {
            dirs.Add(tracking);
        }
        Directories = dirs.Distinct(StringComparer.Ordinal).ToList();
    }

    public string Name { get; }

    /// <summary>The group's directory in every hierarchy it joins, without duplicates (co-mounted cpu,cpuacct).</summary>
    public IReadOnlyList<string> Directories { get; }

    public IReadOnlyList<string> ProcsFiles => Directories.Select(d => Path.Combine(d, "cgroup.procs")).ToList();

    /// <summary>Writes the limits and the device allowlist; called before any process joins.</summary>
    public void Apply(CgroupLimits limits)
    {
        if (devices is not null)
        {
            // Deny everything, then allow what Docker (and runc) allow by default.
            CgroupFiles.Write(fs, devices, "devices.deny", "a");
            foreach (var rule in DeviceAllowlist.Rules)
            {
                CgroupFiles.Write(fs, devices, "devices.allow", rule);
            }
        }
        if (limits.MemoryBytes > 0)
        {
            CgroupFiles.Write(fs, memory, "memory.limit_in_bytes", limits.MemoryBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // Docker's default for an unset --memory-swap: as much swap as memory, so memory+swap = 2 × memory.
            // memsw exists only when the kernel accounts swap; it must be written after the memory limit (memsw ≥ memory).
            if (fs.FileExists(Path.Combine(memory, "memory.memsw.limit_in_bytes")))
            {
                CgroupFiles.Write(fs, memory, "memory.memsw.limit_in_bytes", (2 * limits.MemoryBytes).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        if (limits.NanoCpus > 0)
        {
            CgroupFiles.Write(fs, cpu, "cpu.cfs_period_us", CfsPeriodMicros.ToString(System.Globalization.CultureInfo.InvariantCulture));
            CgroupFiles.Write(fs, cpu, "cpu.cfs_quota_us", CpuQuota(limits.NanoCpus).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (limits.PidsLimit > 0)
        {
            CgroupFiles.Write(fs, pids, "pids.max", limits.PidsLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Quota in µs per 100 ms period; the kernel's minimum quota is 1 ms.</summary>
    internal static long CpuQuota(long nanoCpus) => Math.Max(1000, nanoCpus * CfsPeriodMicros / 1_000_000_000);

    public void AddProcess(int pid)
    {
        var text = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var dir in Directories)
        {
            CgroupFiles.Write(fs, dir, "cgroup.procs", text);
        }
    }

    public IReadOnlyList<int> Pids() =>
        Directories.SelectMany(d => CgroupFiles.ReadPids(fs, d)).Distinct().Order().ToList();

    public CgroupStats Stats()
    {
        var usage = CgroupFiles.ReadNumber(fs, memory, "memory.usage_in_bytes");
        var inactive = CgroupFiles.ReadKey(fs, memory, "memory.stat", "total_inactive_file");
        var limit = Math.Min(CgroupFiles.ReadNumber(fs, memory, "memory.limit_in_bytes"), CgroupFiles.HostMemory());
        return new CgroupStats(
            MemoryUsage: usage > inactive ? usage - inactive : usage,
            MemoryLimit: limit,
            CpuUsageNanos: CgroupFiles.ReadNumber(fs, cpuacct, "cpuacct.usage"),
            Pids: CgroupFiles.ReadNumber(fs, pids, "pids.current"));
    }

    // memory.oom_control: "oom_kill_disable 0\nunder_oom 0\noom_kill N" (oom_kill since Linux 4.13).
    public bool OomKilled() =>
        fs.DirectoryExists(memory) && CgroupFiles.ReadKey(fs, memory, "memory.oom_control", "oom_kill") > 0;

    /// <summary>
    /// Freeze, SIGKILL every member, thaw. Frozen, no member can fork a new one between reading
    /// cgroup.procs and the kill; the signals are delivered when the group thaws.
    /// </summary>
    public void KillAll()
    {
        // Nothing to freeze in an empty group (the common case: the container's init exited and took its
        // pid namespace with it); with no member left, none can fork a new one either.
        if (!fs.DirectoryExists(freezer) || Pids().Count == 0)
        {
            return;
        }
        CgroupFiles.Write(fs, freezer, "freezer.state", "FROZEN");
        try
        {
            // FREEZING can last while a member sleeps uninterruptibly; kill anyway after a while, then loop.
            _ = CgroupDirectories.WaitFor(() => CgroupFiles.Read(fs, freezer, "freezer.state").Trim() == "FROZEN", TimeSpan.FromSeconds(1));
            CgroupDirectories.KillPids(Pids());
        }
        finally
        {
            CgroupFiles.Write(fs, freezer, "freezer.state", "THAWED");
        }
        // A member still running a fork while freezing had not finished: catch its child too.
        if (!CgroupDirectories.WaitFor(() => Pids().Count == 0, TimeSpan.FromSeconds(2)))
        {
            CgroupDirectories.KillPids(Pids());
        }
    }

    public void Delete() => CgroupDirectories.Remove(fs, Directories);
}
