using Orch.Engine.Linux;

namespace Orch.Engine.Snapshots;

/// <summary>
/// A container's root filesystem: the image's layer directories joined read-only by overlayfs under a
/// writable layer of its own. Many containers, one copy of the image: the layer directories are never
/// written (overlayfs copies a file up into upperdir before changing it).
/// Layout: upper and work under DATA/containers/ID (they outlive a reboot, like Docker's), the mount
/// point under EXEC/containers/ID/rootfs (gone after a reboot, mounted again on start).
/// </summary>
internal sealed class OverlaySnapshotter(EngineOptions options)
{
    public string RootfsPath(string id) => Path.Combine(options.ExecRoot, "containers", id, "rootfs");

    public string UpperPath(string id) => Path.Combine(options.DataRoot, "containers", id, "diff");

    private string WorkPath(string id) => Path.Combine(options.DataRoot, "containers", id, "work");

    /// <summary>Creates the writable layer (once per container).</summary>
    public void Create(string id)
    {
        Directory.CreateDirectory(UpperPath(id));
        Directory.CreateDirectory(WorkPath(id));
    }

    /// <summary>Mounts the rootfs unless it is mounted already; returns its path.</summary>
    /// <param name="layerDirs">Lowest (base) layer first, as IImageStore returns them.</param>
    public string Mount(string id, IReadOnlyList<string> layerDirs)
    {
        var target = RootfsPath(id);
        if (IsMounted(target))
        {
            return target;
        }
        Directory.CreateDirectory(target);
        // overlayfs wants lowerdir top-most first: the reverse of the image's layer order.
        var lower = string.Join(':', layerDirs.Reverse());
        var data = $"lowerdir={lower},upperdir={UpperPath(id)},workdir={WorkPath(id)}";
        Libc.Mount("overlay", target, "overlay", 0, data);
        return target;
    }

    /// <summary>Unmounts the rootfs (if mounted). The writable layer stays.</summary>
    public void Unmount(string id)
    {
        var target = RootfsPath(id);
        Libc.Unmount(target, Libc.MntDetach);
    }

    /// <summary>Unmounts and deletes the writable layer: nothing of the container's files remains.</summary>
    public void Remove(string id)
    {
        Unmount(id);
        DeleteIfExists(Path.Combine(options.ExecRoot, "containers", id));
        DeleteIfExists(UpperPath(id));
        DeleteIfExists(WorkPath(id));
    }

    private static void DeleteIfExists(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool IsMounted(string path)
    {
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ', 6);
            if (fields.Length > 4 && fields[4] == path)
            {
                return true;
            }
        }
        return false;
    }
}
