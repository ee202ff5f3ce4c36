namespace Orch.Engine.Runtime.Cgroups;

/// <summary>
/// cgroup v1 (legacy and hybrid): one directory per hierarchy. The container joins memory, cpu, cpuacct, pids
/// and freezer (for <see cref="ICgroup.KillAll"/>), and devices when mounted (Docker's device allowlist: the
/// default capabilities include MKNOD, so without it a container could make and open a host disk's node);
/// in hybrid mode also the cgroup2 tree, with no controller, only so that the kernel tracks its processes
/// there as well — what runc and crun do.
///
/// Where groups go: PARENT/NAME below this daemon's own cgroup in each hierarchy, runc's rule for an empty
/// cgroupsPath. It matters for memory here: the sandbox puts each session (and so orchd) in memory cgroup
/// /process_api/&lt;hash&gt;; a group made at the hierarchy root would sit outside that cgroup, so a limit or
/// the accounting placed on the daemon's caller would not cover its containers. Nested, the kernel charges
/// container memory to the caller too, and the caller's cgroup cannot be removed while we leave groups behind.
/// Consequence: orchd must start from the same cgroup every time (a service manager does that) to find its
/// groups again after a restart.
/// </summary>
internal sealed class CgroupV1Driver : ICgroupDriver
{
    /// <summary>Controllers a container joins; any other v1 hierarchy (cpuset, devices, blkio, …) is left alone.</summary>
    internal static readonly string[] Joined = ["memory", "cpu", "cpuacct", "pids", "freezer"];

    /// <summary>Joined when mounted (every systemd machine has it; a bare legacy setup may not).</summary>
    internal const string Devices = "devices";

    private readonly ICgroupFs fs;
    private readonly string parent;
    private readonly CgroupLayout layout;

    public CgroupV1Driver(CgroupLayout layout, string parent, ICgroupFs fs)
    {
        var missing = Joined.Where(c => !layout.V1.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new CgroupException($"cgroup v1: no hierarchy mounted for {string.Join(", ", missing)} (see /proc/self/mountinfo)");
        }
        this.layout = layout;
        this.parent = CgroupNames.Check(parent, "parent");
        this.fs = fs;
    }

    public string Version => "1";

    /// <summary>The parent's directory in each distinct hierarchy (co-mounted controllers share one).</summary>
    internal IEnumerable<string> ParentDirectories => Bases().Select(b => Path.Combine(b, parent));

    public ICgroup Create(string name, CgroupLimits limits)
    {
        var group = (CgroupV1)Open(name);
        try
        {
            foreach (var dir in group.Directories)
            {
                fs.CreateDirectory(dir);
            }
            group.Apply(limits);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CgroupException)
        {
            // No half-made group left behind (it has no process yet, so removal cannot block).
            group.Delete();
            throw e as CgroupException ?? new CgroupException($"cannot create cgroup {name}: {e.Message}", e);
        }
        return group;
    }

    public ICgroup Open(string name)
    {
        var rel = Path.Combine(parent, CgroupNames.Check(name, "name"));
        string Dir(string controller) => Path.Combine(layout.V1[controller].OwnDirectory, rel);
        return new CgroupV1(
            name,
            fs,
            memory: Dir("memory"),
            cpu: Dir("cpu"),
            cpuacct: Dir("cpuacct"),
            pids: Dir("pids"),
            freezer: Dir("freezer"),
            devices: layout.V1.ContainsKey(Devices) ? Dir(Devices) : null,
            tracking: layout.Unified is null ? null : Path.Combine(layout.Unified.OwnDirectory, rel));
    }

    // The tracking tree in hybrid mode (no controller to migrate), else any hierarchy we are in.
    public void PrepareJoin() =>
        CgroupDirectories.WarmUpMigration(fs, (layout.Unified ?? layout.V1["pids"]).OwnDirectory);

    public bool RemoveParent() => CgroupDirectories.RemoveEmptyChain(fs, Bases(), parent);

    private IEnumerable<string> Bases()
    {
        var bases = Joined.Append(Devices).Where(layout.V1.ContainsKey).Select(c => layout.V1[c].OwnDirectory);
        if (layout.Unified is not null)
        {
            bases = bases.Append(layout.Unified.OwnDirectory);
        }
        return bases.Distinct(StringComparer.Ordinal);
    }

    public override string ToString() => $"{layout}; parent {parent}";
}
