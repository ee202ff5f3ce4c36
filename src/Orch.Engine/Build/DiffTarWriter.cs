using System.Formats.Tar;
using System.Security.Cryptography;
using Orch.Engine.Images;
using Orch.Engine.Images.Layers;

namespace Orch.Engine.Build;

/// <summary>
/// Writes a directory in overlayfs upper-dir form as an OCI layer tar: a 0/0 character device becomes a
/// ".wh.NAME" whiteout, a directory with trusted.overlay.opaque=y gets a ".wh..wh..opq" entry (image-spec
/// layer.md, "Whiteouts"). Owners, modes, mtimes, symlinks, hard links and device nodes are kept. Entries are
/// sorted so that the same tree gives the same tar. Returns the diff ID (sha256 of the tar) and the size.
/// </summary>
internal static class DiffTarWriter
{
    public static async Task<(string DiffId, long Size)> WriteAsync(string root, Stream output, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var hashing = new HashSink(output, sha);
        long size = 0;
        await using (var tar = new TarWriter(hashing, TarEntryFormat.Pax, leaveOpen: true))
        {
            var links = new Dictionary<(uint, uint, ulong), string>();
            foreach (var (full, rel) in Walk(root, ""))
            {
                ct.ThrowIfCancellationRequested();
                var st = FileStat.Lstat(full) ?? throw new IOException($"lstat {full} failed");
                var dir = Path.GetDirectoryName(rel) is { Length: > 0 } d ? d + "/" : "";
                if (st.IsWhiteout)
                {
                    await tar.WriteEntryAsync(Entry(TarEntryType.RegularFile, dir + ".wh." + Path.GetFileName(rel), st, 0), ct);
                    continue;
                }
                switch (st.Type)
                {
                    case FileStat.S_IFDIR:
                        await tar.WriteEntryAsync(Entry(TarEntryType.Directory, rel + "/", st, st.Perm), ct);
                        if (LayerSyscalls.GetXattr(full, "trusted.overlay.opaque") == "y")
                        {
                            await tar.WriteEntryAsync(Entry(TarEntryType.RegularFile, rel + "/.wh..wh..opq", st, 0), ct);
                        }
                        break;
                    case FileStat.S_IFREG:
                        if (st.Nlink > 1 && links.TryGetValue((st.DevMajor, st.DevMinor, st.Inode), out var first))
                        {
                            var link = Entry(TarEntryType.HardLink, rel, st, st.Perm);
                            link.LinkName = first;
                            await tar.WriteEntryAsync(link, ct);
                            break;
                        }
                        links[(st.DevMajor, st.DevMinor, st.Inode)] = rel;
                        var file = Entry(TarEntryType.RegularFile, rel, st, st.Perm, Capability(full, rel));
                        await using (var data = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
                        {
                            file.DataStream = data;
                            await tar.WriteEntryAsync(file, ct);
                        }
                        size += st.Size;
                        break;
                    case FileStat.S_IFLNK:
                        var sym = Entry(TarEntryType.SymbolicLink, rel, st, st.Perm);
                        sym.LinkName = new FileInfo(full).LinkTarget ?? "";
                        await tar.WriteEntryAsync(sym, ct);
                        break;
                    case FileStat.S_IFCHR or FileStat.S_IFBLK:
                        var dev = Entry(st.Type == FileStat.S_IFCHR ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, rel, st, st.Perm);
                        dev.DeviceMajor = (int)st.RdevMajor;
                        dev.DeviceMinor = (int)st.RdevMinor;
                        await tar.WriteEntryAsync(dev, ct);
                        break;
                    case FileStat.S_IFIFO:
                        await tar.WriteEntryAsync(Entry(TarEntryType.Fifo, rel, st, st.Perm), ct);
                        break;
                    default:
                        break; // sockets cannot be archived (as tar(1) skips them)
                }
            }
        }
        await output.FlushAsync(ct);
        return (Digest.FromHash(sha.GetHashAndReset()), size);
    }

    private static PaxTarEntry Entry(TarEntryType type, string name, FileStat st, uint mode, string? capability = null)
    {
        var mtime = st.Mtime.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Only mtime: .NET would add atime/ctime of "now", making equal trees give different tars.
        var pax = new Dictionary<string, string> { ["mtime"] = mtime };
        if (capability is not null)
        {
            pax[CapabilityKey] = capability;
        }
        var e = new PaxTarEntry(type, name, pax)
        {
            Uid = (int)st.Uid,
            Gid = (int)st.Gid,
            Mode = (UnixFileMode)mode,
            ModificationTime = st.Mtime,
        };
        return e;
    }

    private const string CapabilityKey = "SCHILY.xattr.security.capability";
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>
    /// File capabilities (`RUN setcap …`), the one xattr Docker's builder records. TarWriter takes string values
    /// only, so a value that is not valid UTF-8 (capability bits 7, 15, 23 or 31 set) cannot be written
    /// faithfully: the build fails saying so rather than storing a mangled capability.
    /// </summary>
    private static string? Capability(string full, string rel)
    {
        if (LayerSyscalls.GetXattrBytes(full, "security.capability") is not { } raw)
        {
            return null;
        }
        try
        {
            return StrictUtf8.GetString(raw);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new IOException($"{rel}: its security.capability cannot be stored in a layer yet (a value with capability bits 7, 15, 23 or 31)");
        }
    }

    /// <summary>Depth-first, names in ordinal order, parents before children.</summary>
    private static IEnumerable<(string Full, string Rel)> Walk(string dir, string prefix)
    {
        var names = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            var full = Path.Combine(dir, name!);
            var rel = prefix + name;
            yield return (full, rel);
            var st = FileStat.Lstat(full);
            if (st is { Type: FileStat.S_IFDIR })
            {
                foreach (var child in Walk(full, rel + "/"))
                {
                    yield return child;
                }
            }
        }
    }

    /// <summary>Passes writes through to the blob file while hashing them.</summary>
    private sealed class HashSink(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
        {
            hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, ct);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            WriteAsync(buffer.AsMemory(offset, count), ct).AsTask();
    }
}
