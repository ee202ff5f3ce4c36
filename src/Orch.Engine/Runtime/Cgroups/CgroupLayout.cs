namespace Orch.Engine.Runtime.Cgroups;

/// <summary>
/// What /proc/self/mountinfo and /proc/self/cgroup say about the cgroup filesystems: the mode, where each
/// v1 controller's hierarchy is mounted, and this process's own cgroup in each of them (already made
/// relative to the mount's root, so that it can be appended to the mount point).
/// </summary>
public sealed record CgroupLayout(
    CgroupMode Mode,
    IReadOnlyDictionary<string, CgroupHierarchy> V1,
    CgroupHierarchy? Unified)
{
    /// <summary>Controllers a v1 hierarchy may carry (superblock options that are not mount flags).</summary>
    private static readonly HashSet<string> KnownV1Controllers = new(StringComparer.Ordinal)
    {
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio",
        "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc",
    };

    /// <summary>Parses the texts of /proc/self/mountinfo and /proc/self/cgroup; only mounts at or below <paramref name="root"/> count.</summary>
    public static CgroupLayout Parse(string mountinfo, string selfCgroup, string root)
    {
        root = root.TrimEnd('/');
        var own = ParseSelfCgroup(selfCgroup);
        var v1 = new Dictionary<string, CgroupHierarchy>(StringComparer.Ordinal);
        CgroupHierarchy? unified = null;
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var m = MountInfoLine.Parse(line);
            if (m is null || !(m.MountPoint == root || m.MountPoint.StartsWith(root + "/", StringComparison.Ordinal)))
            {
                continue;
            }
            if (m.FsType == "cgroup2")
            {
                unified ??= new CgroupHierarchy(m.MountPoint, Relative(own.GetValueOrDefault("") ?? "/", m.Root));
            }
            else if (m.FsType == "cgroup")
            {
                var controllers = m.SuperOptions.Split(',').Where(KnownV1Controllers.Contains).ToList();
                foreach (var c in controllers)
                {
                    // A hierarchy can be visible at several mount points (cpu and cpu,cpuacct symlinks are not
                    // mounts, but bind mounts are); the first one wins.
                    if (!v1.ContainsKey(c))
                    {
                        var ownPath = own.GetValueOrDefault(c) ?? "/";
                        v1[c] = new CgroupHierarchy(m.MountPoint, Relative(ownPath, m.Root));
                    }
                }
            }
        }
        if (unified is not null && unified.MountPoint == root)
        {
            return new CgroupLayout(CgroupMode.Unified, new Dictionary<string, CgroupHierarchy>(), unified);
        }
        if (v1.Count == 0)
        {
            throw new CgroupException(unified is null
                ? $"no cgroup filesystem is mounted under {root} (see /proc/self/mountinfo)"
                : $"cgroup2 is mounted at {unified.MountPoint} but no controller hierarchy is mounted under {root}");
        }
        return new CgroupLayout(unified is null ? CgroupMode.Legacy : CgroupMode.Hybrid, v1, unified);
    }

    /// <summary>"hierarchy-id:controllers:path" lines → controller (or "" for the v2 line, "name=x" for named) → path.</summary>
    internal static Dictionary<string, string> ParseSelfCgroup(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }
            if (parts[0] == "0" && parts[1].Length == 0)
            {
                result[""] = parts[2];
                continue;
            }
            foreach (var c in parts[1].Split(','))
            {
                result[c] = parts[2];
            }
        }
        return result;
    }

    /// <summary>
    /// /proc/self/cgroup paths are relative to the hierarchy's root; a mount can show a subtree (mountinfo's root
    /// field, e.g. inside a container without a cgroup namespace), so strip that prefix.
    /// </summary>
    private static string Relative(string ownPath, string mountRoot)
    {
        if (mountRoot != "/" && (ownPath == mountRoot || ownPath.StartsWith(mountRoot + "/", StringComparison.Ordinal)))
        {
            ownPath = ownPath[mountRoot.Length..];
        }
        return ownPath.Length == 0 ? "/" : ownPath;
    }

    public override string ToString() => Mode switch
    {
        CgroupMode.Unified => $"v2 unified at {Unified!.MountPoint}",
        _ => $"v1 {Mode.ToString().ToLowerInvariant()}: "
             + string.Join(", ", V1.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value.OwnDirectory}"))
             + (Unified is null ? "" : $"; tracking in {Unified.OwnDirectory}"),
    };
}

/// <param name="MountPoint">Where the hierarchy is mounted, e.g. /sys/fs/cgroup/memory.</param>
/// <param name="OwnPath">This process's cgroup in it, relative to the mount, e.g. /process_api/&lt;hash&gt;.</param>
public sealed record CgroupHierarchy(string MountPoint, string OwnPath)
{
    /// <summary>Directory of this process's own cgroup.</summary>
    public string OwnDirectory => OwnPath == "/" ? MountPoint : MountPoint + OwnPath;
}
