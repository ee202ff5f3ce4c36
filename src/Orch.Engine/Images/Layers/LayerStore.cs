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
        var target = Path.Combine(root, Digest.Hex(chainId));
        if (Directory.Exists(target))
        {
            Discard(tempDir);
            return false;
        }
        File.WriteAllText(Path.Combine(tempDir, "size"), size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // syncfs(2): the unpacked files must be on disk before the rename makes them visible.
        var fd = LayerSyscalls.Open(tempDir, LayerSyscalls.O_RDONLY | LayerSyscalls.O_DIRECTORY | LayerSyscalls.O_CLOEXEC, 0);
        if (fd >= 0)
        {
            _ = LayerSyscalls.Syncfs(fd);
            _ = LayerSyscalls.Close(fd);
        }
        Directory.Move(tempDir, target);
        AtomicFile.SyncDirectory(root);
        return true;
    }

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
