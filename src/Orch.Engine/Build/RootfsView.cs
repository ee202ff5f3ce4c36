using Orch.Engine.Linux;

namespace Orch.Engine.Build;

/// <summary>
/// A read-only view of a build state's filesystem: its layers joined by overlayfs (no upperdir makes the
/// mount read-only), a bind mount for a single layer, an empty directory for scratch. For COPY --from, for
/// WORKDIR and COPY destinations (does the directory exist, with which owner), and --chown names.
/// </summary>
internal sealed class RootfsView : IDisposable
{
    private readonly bool mounted;

    public RootfsView(string execRoot, IReadOnlyList<string> layerDirs)
    {
        Path = System.IO.Path.Combine(execRoot, "builder", "views", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
        if (layerDirs.Count == 1)
        {
            Libc.Mount(layerDirs[0], Path, null, Libc.MsBind, null);
            mounted = true;
        }
        else if (layerDirs.Count > 1)
        {
            // overlayfs wants lowerdir top-most first.
            Libc.Mount("overlay", Path, "overlay", Libc.MsRdonly, "lowerdir=" + string.Join(':', layerDirs.Reverse()));
            mounted = true;
        }
    }

    public string Path { get; }

    /// <summary>Host path of an absolute image path, resolved without following symlinks out of the view.</summary>
    public string Host(string imagePath) => Snapshots.RootfsPath.Join(Path, imagePath);

    public string ReadText(string imagePath)
    {
        var p = Host(imagePath);
        return File.Exists(p) ? File.ReadAllText(p) : "";
    }

    public void Dispose()
    {
        if (mounted)
        {
            Libc.Unmount(Path, Libc.MntDetach);
        }
        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
            // still busy: swept with the builder's exec dir
        }
    }
}
