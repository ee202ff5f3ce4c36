using System.Formats.Tar;
using System.IO.Compression;
using Orch.Engine.Images.Layers;

namespace Orch.Engine.Build;

/// <summary>
/// Writes COPY/ADD results into a new layer directory. Directories the destination needs are created with
/// the owner and mode the image already gives them (a layer's directory entry replaces the lower one's
/// attributes in overlayfs), new ones as root 0755. Files keep their mode and mtime; the owner is root or --chown.
/// </summary>
internal sealed class LayerWriter(string fs, RootfsView view, (uint Uid, uint Gid)? chown, uint? chmod)
{
    public string Fs => fs;

    public string HostPath(string imagePath) => Path.Combine(fs, imagePath.TrimStart('/'));

    /// <summary>mkdir -p of <paramref name="imageDir"/> inside the layer, copying attributes from the image.</summary>
    public void EnsureDir(string imageDir)
    {
        var parts = imageDir.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "";
        foreach (var p in parts)
        {
            current += "/" + p;
            var host = HostPath(current);
            if (Directory.Exists(host))
            {
                continue;
            }
            Directory.CreateDirectory(host);
            var existing = FileStat.Lstat(view.Host(current));
            if (existing is { Type: FileStat.S_IFDIR } e)
            {
                Chmod(host, e.Perm);
                Chown(host, e.Uid, e.Gid);
            }
            else
            {
                Chmod(host, 0x1ED /* 0755 */);
                var (u, g) = chown ?? (0, 0);
                Chown(host, u, g);
            }
        }
    }

    public bool ImageHasDir(string imagePath) => FileStat.Lstat(view.Host(imagePath)) is { Type: FileStat.S_IFDIR };

    /// <summary>Copies a file, symlink or directory tree to <paramref name="target"/> (an image path).</summary>
    public void CopyTree(string source, string target, string rel, Func<string, bool> excluded)
    {
        var st = FileStat.Lstat(source) ?? throw new IOException($"lstat {source}: no such file");
        var host = HostPath(target);
        EnsureDir(Parent(target));
        switch (st.Type)
        {
            case FileStat.S_IFDIR:
                if (!Directory.Exists(host))
                {
                    Directory.CreateDirectory(host);
                }
                Chmod(host, chmod ?? st.Perm);
                Own(host);
                foreach (var name in Directory.EnumerateFileSystemEntries(source).Select(Path.GetFileName).Order(StringComparer.Ordinal))
                {
                    var childRel = rel == "." ? name! : rel + "/" + name;
                    if (!excluded(childRel))
                    {
                        CopyTree(Path.Combine(source, name!), target.TrimEnd('/') + "/" + name, childRel, excluded);
                    }
                }
                break;
            case FileStat.S_IFREG:
                File.Copy(source, host, overwrite: true);
                Chmod(host, chmod ?? st.Perm);
                Own(host);
                File.SetLastWriteTimeUtc(host, st.Mtime.UtcDateTime);
                break;
            case FileStat.S_IFLNK:
                if (FileStat.Lstat(host) is not null)
                {
                    File.Delete(host);
                }
                File.CreateSymbolicLink(host, new FileInfo(source).LinkTarget ?? "");
                Own(host);
                break;
            default:
                break; // devices, fifos and sockets in a build context are not copied
        }
    }

    /// <summary>ADD of a local archive: its entries go below <paramref name="targetDir"/> with their own owners.</summary>
    public async Task ExtractAsync(string archive, string targetDir, CancellationToken ct)
    {
        EnsureDir(targetDir);
        await using var file = File.OpenRead(archive);
        Stream stream = IsGzip(archive) ? new GZipStream(file, CompressionMode.Decompress) : file;
        await using var _ = stream;
        using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync(copyData: false, ct) is { } e)
        {
            var name = DockerIgnore.Clean(e.Name);
            if (name == ".")
            {
                continue;
            }
            var target = targetDir.TrimEnd('/') + "/" + name;
            var host = HostPath(target);
            EnsureDir(Parent(target));
            var (uid, gid) = chown ?? ((uint)e.Uid, (uint)e.Gid);
            switch (e.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(host);
                    Chmod(host, chmod ?? (uint)e.Mode);
                    Chown(host, uid, gid);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    await using (var output = File.Create(host))
                    {
                        if (e.DataStream is { } data)
                        {
                            await data.CopyToAsync(output, ct);
                        }
                    }
                    Chmod(host, chmod ?? (uint)e.Mode);
                    Chown(host, uid, gid);
                    File.SetLastWriteTimeUtc(host, e.ModificationTime.UtcDateTime);
                    break;
                case TarEntryType.SymbolicLink:
                    File.CreateSymbolicLink(host, e.LinkName);
                    Chown(host, uid, gid);
                    break;
                case TarEntryType.HardLink:
                    File.Copy(HostPath(targetDir.TrimEnd('/') + "/" + DockerIgnore.Clean(e.LinkName)), host, overwrite: true);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Docker's ADD extracts tar, tar.gz (and more) by content, not by name.</summary>
    public static bool IsArchive(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Stream s = IsGzip(path) ? new GZipStream(f, CompressionMode.Decompress) : f;
            using var _ = s;
            var head = new byte[512];
            var n = s.ReadAtLeast(head, 512, throwOnEndOfStream: false);
            return n == 512 && head[257] == (byte)'u' && head[258] == (byte)'s' && head[259] == (byte)'t' && head[260] == (byte)'a' && head[261] == (byte)'r';
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static bool IsGzip(string path)
    {
        using var f = File.OpenRead(path);
        return f.ReadByte() == 0x1f && f.ReadByte() == 0x8b;
    }

    private static string Parent(string imagePath)
    {
        var t = imagePath.TrimEnd('/');
        var slash = t.LastIndexOf('/');
        return slash <= 0 ? "/" : t[..slash];
    }

    private void Own(string host)
    {
        var (u, g) = chown ?? (0, 0);
        Chown(host, u, g);
    }

    private static void Chmod(string host, uint mode) => File.SetUnixFileMode(host, (UnixFileMode)(mode & 0xFFF));

    private static void Chown(string host, uint uid, uint gid) =>
        LayerSyscalls.Check(LayerSyscalls.FchownAt(LayerSyscalls.AT_FDCWD, host, uid, gid, LayerSyscalls.AT_SYMLINK_NOFOLLOW), "lchown", host);
}
