using System.Formats.Tar;
using System.Text;

namespace Orch.Engine.Tests.Images;

/// <summary>Builds layer tarballs entry by entry (PAX format), including the malicious ones real tools refuse to write.</summary>
internal sealed class LayerTar
{
    public static readonly DateTimeOffset Mtime = new(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
    private readonly MemoryStream buffer = new();
    private readonly TarWriter writer;

    public LayerTar() => writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true);

    public LayerTar Dir(string name, int mode = 0x1ED, int uid = 0, int gid = 0, DateTimeOffset? mtime = null) =>
        Add(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)mode, Uid = uid, Gid = gid, ModificationTime = mtime ?? Mtime });

    public LayerTar File(string name, string content, int mode = 0x1A4, int uid = 0, int gid = 0, IDictionary<string, string>? pax = null)
    {
        var e = pax is null ? new PaxTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name, pax);
        e.Mode = (UnixFileMode)mode;
        e.Uid = uid;
        e.Gid = gid;
        e.ModificationTime = Mtime;
        e.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content));
        return Add(e);
    }

    public LayerTar Symlink(string name, string target, int uid = 0) =>
        Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, Uid = uid, Gid = uid, ModificationTime = Mtime, Mode = (UnixFileMode)0x1FF });

    public LayerTar Hardlink(string name, string target) =>
        Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, ModificationTime = Mtime });

    public LayerTar CharDevice(string name, int major, int minor) =>
        Add(new PaxTarEntry(TarEntryType.CharacterDevice, name) { DeviceMajor = major, DeviceMinor = minor, Mode = (UnixFileMode)0x1B6, ModificationTime = Mtime });

    public LayerTar Fifo(string name) =>
        Add(new PaxTarEntry(TarEntryType.Fifo, name) { Mode = (UnixFileMode)0x1A4, ModificationTime = Mtime });

    private LayerTar Add(TarEntry e)
    {
        writer.WriteEntry(e);
        return this;
    }

    public byte[] Build()
    {
        writer.Dispose();
        return buffer.ToArray();
    }

    public string WriteTo(string path)
    {
        System.IO.File.WriteAllBytes(path, Build());
        return path;
    }
}
