using Orch.Engine.Images.Layers;

namespace Orch.Engine.Images;

/// <summary>
/// What one pull received and verified (layer blobs, unpacked layers, config, manifest), staged under
/// temporary names and published together with as few flushes to disk as the crash guarantee allows.
/// Each fsync(2) on this machine's disk costs a device cache flush (~4 ms); publishing item by item took
/// ten of them, about half of a small image's pull. Now:
/// <list type="number">
/// <item><see cref="SyncData"/>: one syncfs(2) — every staged byte is on disk before any name points at it;</item>
/// <item><see cref="Publish"/> (under the image store's lock): the renames, then one syncfs(2) that makes
/// their directory entries durable before the lock is released, so anything visible is durable by the time
/// another operation could record it in the index;</item>
/// <item>then the caller writes the index (temp + fsync + rename + fsync of its directory).</item>
/// </list>
/// A kill -9 or power loss at any point leaves either nothing visible or complete, verified objects; what was
/// staged and not published lies under blobs/ingest/ or snapshots/.tmp-* and is swept at start-up.
/// Dispose deletes whatever was not published.
/// </summary>
internal sealed class PendingContent(ContentStore content, LayerStore layers) : IDisposable
{
    private readonly object sync = new();
    private readonly List<(string Path, string Digest)> blobs = [];
    private readonly List<(string TempDir, string ChainId)> snapshots = [];

    /// <summary>A verified blob closed by <see cref="BlobWriter.Stage"/>.</summary>
    public void AddBlob(string path, string digest)
    {
        lock (sync)
        {
            blobs.Add((path, digest));
        }
    }

    /// <summary>Verified small content (config, manifest), written to ingest now.</summary>
    public void AddBytes(ReadOnlySpan<byte> data, string digest)
    {
        var path = content.Stage(data);
        AddBlob(path, digest);
    }

    /// <summary>A layer unpacked and verified in <paramref name="tempDir"/> (from <see cref="LayerStore.CreateTemp"/>).</summary>
    public void AddLayer(string tempDir, string chainId, long size)
    {
        LayerStore.Prepare(tempDir, size);
        lock (sync)
        {
            snapshots.Add((tempDir, chainId));
        }
    }

    /// <summary>
    /// Flush 1: the bytes of everything staged (and of the files in the unpacked trees) reach the disk. One
    /// syncfs covers blobs/ and snapshots/ because both live on the data root's filesystem (the renames from
    /// ingest/ and .tmp-* to their final names need that already).
    /// </summary>
    public void SyncData() => LayerStore.SyncFilesystem(layers.Root);

    /// <summary>
    /// Renames every staged item to its final name (an item already there is dropped: same digest or chain ID,
    /// same content), then flush 2 makes the renames durable. Call after <see cref="SyncData"/>, holding the
    /// lock under which the index is read and written.
    /// </summary>
    public void Publish()
    {
        lock (sync)
        {
            foreach (var (path, digest) in blobs)
            {
                content.Publish(path, digest);
            }
            foreach (var (tempDir, chainId) in snapshots)
            {
                layers.Publish(tempDir, chainId);
            }
            blobs.Clear();
            snapshots.Clear();
        }
        LayerStore.SyncFilesystem(layers.Root);
    }

    public void Dispose()
    {
        lock (sync)
        {
            foreach (var (path, _) in blobs)
            {
                File.Delete(path);
            }
            foreach (var (tempDir, _) in snapshots)
            {
                LayerStore.Discard(tempDir);
            }
            blobs.Clear();
            snapshots.Clear();
        }
    }
}
