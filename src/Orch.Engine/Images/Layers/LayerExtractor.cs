using System.Formats.Tar;
using static Orch.Engine.Images.Layers.LayerSyscalls;

namespace Orch.Engine.Images.Layers;

/// <summary>
/// Unpacks one layer tarball into a directory, faithfully (modes, owners, mtimes, xattrs, links, devices)
/// and safely: every path is resolved relative to a file descriptor of the root with openat2(2)
/// RESOLVE_BENEATH, and the final component is created with *at(2) calls that never follow a symlink,
/// so neither "..", an absolute path, a symlink planted earlier, nor a hardlink can reach outside the root.
/// Whiteouts become overlayfs whiteouts: ".wh.NAME" → a 0/0 character device NAME; ".wh..wh..opq" →
/// xattr trusted.overlay.opaque=y on the directory (overlayfs(5), "whiteouts and opaque directories").
/// Contract: on an exception the caller discards the whole directory; nothing outside it has been touched.
/// </summary>
internal sealed partial class LayerExtractor : IDisposable
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";

    private readonly int rootFd;
    private readonly string root;
    private readonly List<(string Path, DateTimeOffset Mtime)> dirTimes = [];
    private const int CopyChunk = 1 << 20;
    // Smaller files are left to the syncfs before publishing, which writes them out in one batch.
    private const long WritebackMin = 128 << 10;

    private PaxXattrRecorder? xattrs;
    private byte[]? copyBuffer;
    // The directory the previous entry went into, kept open for the next one (see ParentOf).
    private string? parentPath;
    private int parentFd = -1;

    public LayerExtractor(string root)
    {
        this.root = root;
        rootFd = Open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (rootFd < 0)
        {
            throw LayerSyscalls.Error("open", root);
        }
    }

    /// <summary>Bytes of regular file content unpacked (the layer's size as `orch images` reports it).</summary>
    public long Size { get; private set; }

    public int Entries { get; private set; }

    public async Task ExtractAsync(Stream tar, CancellationToken ct)
    {
        xattrs = new PaxXattrRecorder(tar);
        await using var reader = new TarReader(xattrs, leaveOpen: true);
        TarEntry? entry;
        while ((entry = await reader.GetNextEntryAsync(copyData: false, ct)) is not null)
        {
            ct.ThrowIfCancellationRequested();
            Entries++;
            await ApplyAsync(entry, ct);
        }
        ForgetParent();
        // Directory mtimes last, deepest first: creating children changes a directory's mtime.
        for (var i = dirTimes.Count - 1; i >= 0; i--)
        {
            var (path, mtime) = dirTimes[i];
            var fd = OpenBeneath(rootFd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (fd >= 0)
            {
                _ = SetTimes(fd, null, mtime, 0);
                _ = Close(fd);
            }
        }
    }

    private async Task ApplyAsync(TarEntry entry, CancellationToken ct)
    {
        var name = entry.Name;
        var parts = EntryPath.Clean(name, name);
        if (parts.Count == 0)
        {
            // "/" or "./": the layer root itself (umoci's first entry). Only a directory may describe it.
            if (entry.EntryType != TarEntryType.Directory)
            {
                throw new LayerEntryException(name, "the layer root can only be a directory");
            }
            ApplyRootDirectory(entry);
            return;
        }
        var last = parts[^1];
        if (last.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            // A whiteout may remove the kept directory or one above it.
            ForgetParent();
            ApplyWhiteout(entry, parts);
            return;
        }
        var parent = ParentOf(parts, name);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                ApplyDirectory(entry, parent, parts);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                await ApplyFileAsync(entry, parent, last, ct);
                break;
            case TarEntryType.SymbolicLink:
                ApplySymlink(entry, parent, last);
                break;
            case TarEntryType.HardLink:
                ApplyHardlink(entry, parent, parts);
                break;
            case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                ApplyNode(entry, parent, last);
                break;
            default:
                throw new LayerEntryException(name, $"unsupported tar entry type {entry.EntryType}");
        }
    }

    /// <summary>
    /// The directory an entry goes into (<see cref="OpenDirectory"/>), kept open while the entries that follow
    /// go into the same one: a layer lists a directory's entries together (busybox: ~400 in bin/), and an
    /// openat2 and a close for each was two of a hardlink's five syscalls. Safe because an entry changes only
    /// names inside its own directory (never "." or "..", which <see cref="EntryPath.Clean"/> removes), so the
    /// kept directory stays what its path leads to; the first entry into another directory, which may replace
    /// this one or one above it, closes it first, and so does every whiteout.
    /// </summary>
    private int ParentOf(List<string> parts, string entry)
    {
        var path = EntryPath.Join(parts, parts.Count - 1);
        if (parentFd >= 0 && path == parentPath)
        {
            return parentFd;
        }
        ForgetParent();
        parentFd = OpenDirectory(parts, parts.Count - 1, entry);
        parentPath = path;
        return parentFd;
    }

    private void ForgetParent()
    {
        if (parentFd >= 0)
        {
            _ = Close(parentFd);
        }
        parentFd = -1;
        parentPath = null;
    }

    public void Dispose()
    {
        ForgetParent();
        _ = Close(rootFd);
    }

    public override string ToString() => root;
}
