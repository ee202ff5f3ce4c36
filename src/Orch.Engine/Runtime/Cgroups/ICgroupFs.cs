namespace Orch.Engine.Runtime.Cgroups;

/// <summary>
/// The few filesystem operations the drivers need, so that the v2 driver can be unit-tested over a
/// cgroupfs-shaped directory tree (no controller is free for v2 on the hybrid machines we test on).
/// Paths are absolute. Writes never create files: cgroupfs has only the kernel's interface files.
/// </summary>
internal interface ICgroupFs
{
    bool DirectoryExists(string path);

    bool FileExists(string path);

    /// <summary>mkdir -p.</summary>
    void CreateDirectory(string path);

    /// <summary>rmdir(2): fails with IOException when the group has processes or children.</summary>
    void RemoveDirectory(string path);

    string Read(string path);

    /// <summary>One write(2) of the whole value to an existing file (cgroupfs parses each write on its own).</summary>
    void Write(string path, string value);

    /// <summary>cgroup v2: loads a BPF device program and attaches it to the group directory (see <see cref="DeviceFilter"/>).</summary>
    void AttachDeviceFilter(string dir, byte[] program);
}
