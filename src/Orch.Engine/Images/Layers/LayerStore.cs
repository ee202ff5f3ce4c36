namespace Orch.Engine.Images.Layers;

/// <summary>
/// Unpacked layers under data-root/snapshots/&lt;chain id hex&gt;/fs, shared by every image whose layer
/// stack has that chain ID. A layer is unpacked into a temporary directory and renamed into place only
/// when complete, so a visible snapshot is never partial; afterwards it is never written again (the
/// runtime mounts it as a read-only overlay lowerdir).
/// </summary>
internal sealed class LayerStore
{
    private readonly string root;

    public LayerStore(string root)
    {
        this.root = root;
        Directory.CreateDirectory(root);
    }

    public string Root => root;

    public string FsDir(string chainId) => Path.Combine(root, Digest.Hex(chainId), "fs");

    public bool Exists(string chainId) => Directory.Exists(FsDir(chainId));

    /// <summary>A fresh directory to unpack into; its "fs" subdirectory is the layer root.</summary>
    public string CreateTemp()
    {
        var dir = Path.Combine(root, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "fs"));
        File.SetUnixFileMode(Path.Combine(dir, "fs"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
            UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return dir;
    }

    /// <summary>
    /// Makes an unpacked temp dir the snapshot of <paramref name="chainId"/>. Returns false (and discards the
    /// temp dir) when that snapshot already exists: identical chain IDs mean identical content.
    /// </summary>
    public bool Commit(string tempDir, string chainId, long size)
    {
        Prepare(tempDir, size);
        // syncfs(2): the unpacked files must be on disk before the rename makes them visible.
        SyncFilesystem(tempDir);
        if (!Publish(tempDir, chainId))
        {
            return false;
        }
        AtomicFile.SyncDirectory(root);
        return true;
    }

    /// <summary>Records the unpacked size next to the tree (not synced: the caller syncs before publishing).</summary>
    public static void Prepare(string tempDir, long size) =>
        File.WriteAllText(Path.Combine(tempDir, "size"), size.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The rename that makes a synced temp dir the snapshot of <paramref name="chainId"/>, or discards it when
    /// that snapshot exists. No sync: the caller makes the directory entry durable.
    /// </summary>
    public bool Publish(string tempDir, string chainId)
    {
        var target = Path.Combine(root, Digest.Hex(chainId));
        if (Directory.Exists(target))
        {
            Discard(tempDir);
            return false;
        }
        Directory.Move(tempDir, target);
        return true;
    }

    /// <summary>syncfs(2) of the filesystem holding <paramref name="path"/>: every dirty file on it reaches the disk in one flush.</summary>
    public static void SyncFilesystem(string path) => LayerSyscalls.OnDirectory(path, LayerSyscalls.Syncfs, "syncfs");

    /// <summary>Unpacked size recorded when the snapshot was committed.</summary>
    public long SizeOf(string chainId) =>
        long.TryParse(File.ReadAllText(Path.Combine(root, Digest.Hex(chainId), "size")), out var n) ? n : 0;

    public static void Discard(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the start-up sweep (names starting with ".tmp-"/".trash-").
        }
    }

    /// <summary>Renames the snapshot away first so that a crash midway never leaves a half-deleted layer visible.</summary>
    public void Remove(string chainId)
    {
        var dir = Path.Combine(root, Digest.Hex(chainId));
        if (!Directory.Exists(dir))
        {
            return;
        }
        var trash = Path.Combine(root, ".trash-" + Guid.NewGuid().ToString("N"));
        Directory.Move(dir, trash);
        Discard(trash);
    }

    public IEnumerable<string> List() =>
        Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .Where(n => n is { Length: 64 } && Digest.IsHex(n))
            .Select(n => Digest.Prefix + n);

    /// <summary>Start-up sweep of what a killed daemon left half-done.</summary>
    public void SweepTemporaries()
    {
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith(".tmp-", StringComparison.Ordinal) || name.StartsWith(".trash-", StringComparison.Ordinal))
            {
                Discard(dir);
            }
        }
    }
}
