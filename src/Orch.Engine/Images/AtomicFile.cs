using Orch.Engine.Images.Layers;

namespace Orch.Engine.Images;

/// <summary>
/// Disk state that must never be seen half-written: write a temp file in the same directory, fsync it,
/// rename(2) it over the target (atomic within one filesystem), then fsync the directory so the rename
/// itself survives a crash.
/// </summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> data, UnixFileMode mode = (UnixFileMode)0x1A4 /* 0644 */) =>
        WriteAllBytes(path, data, mode, durableBy: null);

    /// <summary>
    /// As above, but the temp file is made durable by <paramref name="durableBy"/> (a syncfs(2) that also serves
    /// other writes, see <see cref="PendingContent"/>) instead of an fsync of its own; null means its own fsync.
    /// </summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> data, UnixFileMode mode, Action? durableBy)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".tmp-{Path.GetFileName(path)}-{Guid.NewGuid():N}");
        try
        {
            // The mode is set at creation: a secret must never exist, even briefly, with wider permissions.
            using (var fs = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                fs.Write(data);
                fs.Flush(flushToDisk: durableBy is null);
            }
            durableBy?.Invoke();
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
        SyncDirectory(dir);
    }

    /// <summary>fsync(2) of a directory makes the entries created or renamed in it durable.</summary>
    public static void SyncDirectory(string dir) => LayerSyscalls.OnDirectory(dir, LayerSyscalls.Fsync, "fsync");
}
