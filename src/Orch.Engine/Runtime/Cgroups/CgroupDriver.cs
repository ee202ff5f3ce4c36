namespace Orch.Engine.Runtime.Cgroups;

/// <summary>Picks the driver at start-up from how cgroups are mounted (/proc/self/mountinfo).</summary>
public static class CgroupDriver
{
    public const string DefaultRoot = "/sys/fs/cgroup";

    /// <summary>The driver for this machine, with groups under <paramref name="parent"/> (EngineOptions.CgroupParent).</summary>
    public static ICgroupDriver Detect(string parent) =>
        Detect(File.ReadAllText("/proc/self/mountinfo"), File.ReadAllText("/proc/self/cgroup"), DefaultRoot, parent, CgroupFs.Instance);

    internal static ICgroupDriver Detect(string mountinfo, string selfCgroup, string root, string parent, ICgroupFs fs)
    {
        var layout = CgroupLayout.Parse(mountinfo, selfCgroup, root);
        return layout.Mode == CgroupMode.Unified
            ? new CgroupV2Driver(layout.Unified!.MountPoint, parent, fs, layout.Unified.OwnDirectory)
            : new CgroupV1Driver(layout, parent, fs);
    }
}
