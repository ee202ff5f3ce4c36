using System.Security.Cryptography;

namespace Orch.Engine.Images;

/// <summary>
/// Content-addressed blobs under data-root/blobs/sha256/&lt;hex&gt;. A blob becomes visible only by a rename
/// after its bytes were fsynced and its digest checked, so every visible blob is complete and correct.
/// In-flight writes live in blobs/ingest/ and are swept at start-up.
/// </summary>
public sealed class ContentStore
{
    private readonly string blobs;
    private readonly string ingest;

    public ContentStore(string root)
    {
        blobs = Path.Combine(root, "sha256");
        ingest = Path.Combine(root, "ingest");
        Directory.CreateDirectory(blobs);
        Directory.CreateDirectory(ingest);
    }

    public string PathOf(string digest) => Path.Combine(blobs, Digest.Hex(digest));

    public bool Exists(string digest) => File.Exists(PathOf(digest));

    public long SizeOf(string digest) => new FileInfo(PathOf(digest)).Length;

    /// <summary>Reads a (small, JSON) blob and checks it still matches its digest.</summary>
    public byte[] Read(string digest)
    {
        var data = File.ReadAllBytes(PathOf(digest));
        var actual = Digest.Of(data);
        if (actual != digest)
        {
            throw new DigestMismatchException(digest, actual);
        }
        return data;
    }

    /// <summary>Stores bytes; with <paramref name="expected"/> set, a mismatch throws and nothing is kept.</summary>
    public string Write(ReadOnlySpan<byte> data, string? expected = null)
    {
        var digest = Digest.Of(data);
        if (expected is not null && expected != digest)
        {
            throw new DigestMismatchException(expected, digest);
        }
        if (!Exists(digest))
        {
            AtomicFile.WriteAllBytes(PathOf(digest), data);
        }
        return digest;
    }

    /// <summary>Starts a streamed write; the caller commits it once the digest is known.</summary>
    public BlobWriter BeginWrite() => new(this, Path.Combine(ingest, Guid.NewGuid().ToString("N")));

    internal void CommitIngest(string tempPath, string digest, string? expected)
    {
        if (expected is not null && expected != digest)
        {
            File.Delete(tempPath);
            throw new DigestMismatchException(expected, digest);
        }
        if (Publish(tempPath, digest))
        {
            AtomicFile.SyncDirectory(blobs);
        }
    }

    /// <summary>
    /// Writes verified bytes to an ingest file, not yet synced nor visible: <see cref="PendingContent"/>
    /// syncs every staged file at once, then publishes them.
    /// </summary>
    internal string Stage(ReadOnlySpan<byte> data)
    {
        var path = Path.Combine(ingest, Guid.NewGuid().ToString("N"));
        using var fs = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = (UnixFileMode)0x1A4 /* 0644 */ });
        fs.Write(data);
        return path;
    }

    /// <summary>
    /// Renames a complete ingest file to its digest (or drops it when that blob is already here). No sync: the
    /// caller made the bytes durable before and makes the directory entry durable after.
    /// </summary>
    internal bool Publish(string tempPath, string digest)
    {
        var target = PathOf(digest);
        if (File.Exists(target))
        {
            File.Delete(tempPath);
            return false;
        }
        File.Move(tempPath, target);
        return true;
    }

    public void Delete(string digest) => File.Delete(PathOf(digest));

    public IEnumerable<string> List() =>
        Directory.EnumerateFiles(blobs).Select(Path.GetFileName).Where(n => n is { Length: 64 } && Digest.IsHex(n)).Select(n => Digest.Prefix + n);

    public void SweepIngest()
    {
        foreach (var f in Directory.EnumerateFiles(ingest))
        {
            File.Delete(f);
        }
        foreach (var d in Directory.EnumerateDirectories(ingest))
        {
            Directory.Delete(d, recursive: true);
        }
    }

    /// <summary>A scratch directory for an archive being loaded; swept at start-up like any ingest.</summary>
    public string NewSpoolDirectory()
    {
        var dir = Path.Combine(ingest, "spool-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Hex digest of a file on disk (verification, tests).</summary>
    public static string DigestOfFile(string path)
    {
        using var fs = File.OpenRead(path);
        return Digest.FromHash(SHA256.HashData(fs));
    }
}

/// <summary>A blob being written: bytes go to <see cref="Stream"/>; <see cref="Commit"/> publishes it under its digest.</summary>
public sealed class BlobWriter : IDisposable
{
    private readonly ContentStore store;
    private readonly string tempPath;
    private bool committed;

    internal BlobWriter(ContentStore store, string tempPath)
    {
        this.store = store;
        this.tempPath = tempPath;
        Stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: false);
    }

    public FileStream Stream { get; }

    public void Commit(string digest, string? expected = null)
    {
        Stream.Flush(flushToDisk: true);
        Stream.Dispose();
        committed = true;
        store.CommitIngest(tempPath, digest, expected);
    }

    /// <summary>
    /// Closes the written file unsynced and hands it over (its path) to <see cref="PendingContent"/>, which
    /// syncs, publishes or deletes it; this writer no longer deletes it.
    /// </summary>
    internal string Stage()
    {
        Stream.Dispose();
        committed = true;
        return tempPath;
    }

    public void Dispose()
    {
        Stream.Dispose();
        if (!committed)
        {
            File.Delete(tempPath);
        }
    }
}
