namespace Orch.Engine.Runtime.Cgroups;

/// <summary>
/// cgroup v2 (unified): every controller in one tree at the root. Groups go to ROOT/PARENT/NAME.
///
/// Unlike v1, not below the daemon's own cgroup: v2's "no internal processes" rule lets a non-root cgroup
/// enable controllers for its children (cgroup.subtree_control) only while it holds no process itself, and
/// the daemon's own cgroup holds the daemon. So the parent hangs from the root, whose subtree_control is
/// exempt, as Docker's cgroupfs driver does (/docker/ID); each level enables memory, cpu and pids for the next.
/// Each group also gets Docker's device allowlist as a BPF_CGROUP_DEVICE program (<see cref="DeviceFilter"/>).
/// </summary>
internal sealed class CgroupV2Driver : ICgroupDriver
{
    internal static readonly string[] Controllers = ["memory", "cpu", "pids"];

    private readonly ICgroupFs fs;
    private readonly string root;
    private readonly string parent;
    private readonly string? ownDirectory;

    /// <param name="ownDirectory">The daemon's own cgroup (for <see cref="PrepareJoin"/>); null: no warm-up.</param>
    public CgroupV2Driver(string root, string parent, ICgroupFs fs, string? ownDirectory = null)
    {
        this.ownDirectory = ownDirectory;
        this.root = root.TrimEnd('/');
        this.parent = CgroupNames.Check(parent, "parent");
        this.fs = fs;
    }

    public string Version => "2";

    public ICgroup Create(string name, CgroupLimits limits)
    {
        var group = (CgroupV2)Open(name);
        EnableControllers(Path.GetDirectoryName(group.Directory)!);
        try
        {
            var isNew = !fs.DirectoryExists(group.Directory);
            fs.CreateDirectory(group.Directory);
            if (isNew)
            {
                // v2's devices control is a BPF program; attached once (Create is idempotent, programs would stack).
                fs.AttachDeviceFilter(group.Directory, DeviceFilter.Build(DeviceAllowlist.Rules));
            }
            group.Apply(limits);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CgroupException)
        {
            group.Delete();
            throw e as CgroupException ?? new CgroupException($"cannot create cgroup {group.Directory}: {e.Message}", e);
        }
        return group;
    }

    public ICgroup Open(string name) =>
        new CgroupV2(name, fs, Path.Combine(root, parent, CgroupNames.Check(name, "name")));

    public void PrepareJoin() => CgroupDirectories.WarmUpMigration(fs, ownDirectory);

    public bool RemoveParent() => CgroupDirectories.RemoveEmptyChain(fs, [root], parent);

    /// <summary>
    /// Makes memory, cpu and pids available in <paramref name="dir"/>: from the root down, each level writes
    /// "+memory +cpu +pids" to its cgroup.subtree_control (only what is missing), then creates the next level.
    /// </summary>
    private void EnableControllers(string dir)
    {
        var available = Words(CgroupFiles.Read(fs, root, "cgroup.controllers"));
        var missing = Controllers.Where(c => !available.Contains(c)).ToList();
        if (missing.Count > 0)
        {
            throw new CgroupException(
                $"cgroup v2: controller {string.Join(", ", missing)} not available in {Path.Combine(root, "cgroup.controllers")} (is it bound to a v1 hierarchy?)");
        }
        var current = root;
        var relative = Path.GetRelativePath(root, dir);
        var segments = relative == "." ? [] : relative.Split('/');
        foreach (var segment in segments.Prepend(null))
        {
            if (segment is not null)
            {
                current = Path.Combine(current, segment);
                fs.CreateDirectory(current);
            }
            var enabled = Words(CgroupFiles.Read(fs, current, "cgroup.subtree_control"));
            var toEnable = Controllers.Where(c => !enabled.Contains(c)).ToList();
            if (toEnable.Count > 0)
            {
                CgroupFiles.Write(fs, current, "cgroup.subtree_control", string.Join(' ', toEnable.Select(c => "+" + c)));
            }
        }
    }

    private static HashSet<string> Words(string text) =>
        new(text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    public override string ToString() => $"v2 unified at {root}; parent {parent}";
}
