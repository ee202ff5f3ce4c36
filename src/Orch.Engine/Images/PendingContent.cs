using Orch.Engine.Images.Layers;

namespace Orch.Engine.Images;

/// <summary>
/// What one pull received and verified (layer blobs, unpacked layers, config, manifest), staged under
/// temporary names and published together with as few flushes to disk as the crash guarantee allows.
/// Each fsync(2) on this machine's disk costs a device cache flush (~4 ms); publishing item by item took
/// ten of them, about half of a small image's pull. Now three, each ordering what must come before:
/// <list type="number">
/// <item><see cref="Sync"/>: every staged byte is on disk before any name points at it;</item>
/// <item>under the image store's lock, <see cref="Publish"/> renames everything to its final name, the index's
/// temp file is written and <see cref="Sync"/> runs again: the renames and the new index's bytes are durable
/// before the index is replaced, and before the lock lets anyone else record the new content (another pull
/// may see a snapshot exist as soon as it is renamed, but names it in the index only under the lock);</item>
/// <item>the index's rename and the fsync of its directory.</item>
/// </list>
/// A kill -9 or power loss at any point leaves either nothing visible or complete, verified objects (at worst
/// published content no image names yet, which a pull again finds "Already exists"); what was staged and not
/// published lies under blobs/ingest/ or snapshots/.tmp-* and is swept at start-up. Dispose deletes whatever
/// was not published.
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
    /// syncfs(2): every dirty file and directory of the data root's filesystem reaches the disk in one flush. One
    /// syncfs covers blobs/, snapshots/ and images/ because they share that filesystem (the renames from ingest/
    /// and .tmp-* to their final names need that already).
    /// </summary>
    public void Sync() => LayerStore.SyncFilesystem(layers.Root);

    /// <summary>
    /// Renames every staged item (synced by <see cref="Sync"/> before) to its final name; one already there is
    /// dropped (same digest or chain ID, same content). Holding the lock under which the index is read and
    /// written, the caller runs <see cref="Sync"/> again before releasing it.
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
