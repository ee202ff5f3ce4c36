namespace Orch.Engine.Runtime.Cgroups;

/// <summary>How the cgroup filesystems are mounted under /sys/fs/cgroup.</summary>
public enum CgroupMode
{
    /// <summary>Only v1 hierarchies (one per controller or per co-mounted group of controllers).</summary>
    Legacy,

    /// <summary>v1 hierarchies for the controllers plus a cgroup2 mount (usually …/unified) used for process tracking.</summary>
    Hybrid,

    /// <summary>cgroup2 mounted at the root: every controller in one tree.</summary>
    Unified,
}
