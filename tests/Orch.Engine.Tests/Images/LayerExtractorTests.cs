using Orch.Engine.Images.Layers;
using static Orch.Engine.Images.Layers.LayerSyscalls;

namespace Orch.Engine.Tests.Images;

/// <summary>Faithful unpacking: what the tarball says is what lands on disk (as root, like orchd).</summary>
public sealed class LayerExtractorTests
{
    internal static async Task ExtractAsync(byte[] tar, string dir)
    {
        using var x = new LayerExtractor(dir);
        await x.ExtractAsync(new MemoryStream(tar), CancellationToken.None);
    }

    internal static Stat StatOf(string path)
    {
        Assert.True(FstatAt(AT_FDCWD, path, out var st, AT_SYMLINK_NOFOLLOW) == 0, "stat " + path);
        return st;
    }

    [Fact]
    public async Task Extract_FilesDirsLinksDevices_KeepModesOwnersTimes()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("fs");
        var tar = new LayerTar()
            .Dir("./", 0x1ED)
            .Dir("etc/", 0x1C0, uid: 12, gid: 34)
            .File("etc/conf", "hello", mode: 0x9ED /* 04755 */, uid: 1234, gid: 5678)
            .Symlink("etc/link", "/etc/conf", uid: 99)
            .Hardlink("etc/hard", "etc/conf")
            .CharDevice("null", 1, 3)
            .Fifo("pipe")
            .File("deep/er/file", "implicit parents")
            .Build();

        await ExtractAsync(tar, fs);

        var conf = StatOf(Path.Combine(fs, "etc/conf"));
        Assert.Equal(0x9ED | S_IFREG, conf.Mode);
        Assert.Equal((1234u, 5678u), (conf.Uid, conf.Gid));
        Assert.Equal(LayerTar.Mtime.ToUnixTimeSeconds(), conf.Mtime);
        Assert.Equal("hello", File.ReadAllText(Path.Combine(fs, "etc/conf")));

        var etc = StatOf(Path.Combine(fs, "etc"));
        Assert.Equal(0x1C0 | S_IFDIR, etc.Mode);
        Assert.Equal((12u, 34u), (etc.Uid, etc.Gid));
        Assert.Equal(LayerTar.Mtime.ToUnixTimeSeconds(), etc.Mtime); // set after its children were created

        var link = StatOf(Path.Combine(fs, "etc/link"));
        Assert.Equal(S_IFLNK, link.Mode & S_IFMT);
        Assert.Equal(99u, link.Uid);
        Assert.Equal("/etc/conf", new FileInfo(Path.Combine(fs, "etc/link")).LinkTarget);

        var hard = StatOf(Path.Combine(fs, "etc/hard"));
        Assert.Equal(conf.Ino, hard.Ino);
        Assert.Equal(2ul, hard.Nlink);

        var dev = StatOf(Path.Combine(fs, "null"));
        Assert.Equal(S_IFCHR | 0x1B6, dev.Mode);
        Assert.Equal(MakeDev(1, 3), dev.Rdev);
        Assert.Equal(S_IFIFO, StatOf(Path.Combine(fs, "pipe")).Mode & S_IFMT);
        Assert.Equal(0x1ED | S_IFDIR, StatOf(Path.Combine(fs, "deep/er")).Mode);
        Assert.Equal(0x1ED | S_IFDIR, StatOf(fs).Mode);
    }

    [Fact]
    public async Task Extract_PaxXattrs_AreSet_ButOverlayOnesAreNot()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("fs");
        var tar = new LayerTar()
            .File("f", "x", pax: new Dictionary<string, string>
            {
                ["SCHILY.xattr.user.orch"] = "value",
                ["SCHILY.xattr.trusted.overlay.opaque"] = "y",
            })
            .Build();

        await ExtractAsync(tar, fs);

        Assert.Equal("value", GetXattr(Path.Combine(fs, "f"), "user.orch"));
        Assert.Null(GetXattr(Path.Combine(fs, "f"), "trusted.overlay.opaque"));
    }

    [Fact]
    public async Task Extract_BinaryXattrs_KeepTheirBytes_FileCapabilitiesSurvive()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("fs");
        // security.capability v2 (20 bytes): effective, permitted = cap_net_raw (bit 13) | cap_setfcap (bit 31).
        // Bytes >= 0x80 are not UTF-8: a value carried as a decoded string comes out mangled or longer.
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] binary = [0xff, 0x00, 0xfe, 0x80, 0x41];
        // TarWriter writes string values only: write same-length placeholders, then put the raw bytes in place.
        var tar = new LayerTar()
            .File("bin/ping", "#!", mode: 0x1ED, pax: new Dictionary<string, string>
            {
                ["SCHILY.xattr.security.capability"] = new string('C', capability.Length),
                ["SCHILY.xattr.user.blob"] = new string('B', binary.Length),
            })
            .Build();
        Patch(tar, "SCHILY.xattr.security.capability=", capability);
        Patch(tar, "SCHILY.xattr.user.blob=", binary);

        await ExtractAsync(tar, fs);

        Assert.Equal(capability, LayerSyscalls.GetXattrBytes(Path.Combine(fs, "bin/ping"), "security.capability"));
        Assert.Equal(binary, LayerSyscalls.GetXattrBytes(Path.Combine(fs, "bin/ping"), "user.blob"));
    }

    private static void Patch(byte[] tar, string key, byte[] value)
    {
        var at = tar.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(key));
        Assert.True(at >= 0, $"{key} not in the tar");
        value.CopyTo(tar, at + key.Length);
    }

    [Fact]
    public async Task Extract_LaterEntriesReplaceEarlier_FileOverDirAndDirOverFile()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("fs");
        var tar = new LayerTar()
            .File("x", "file first")
            .Dir("x/")
            .File("x/inside", "1")
            .Dir("y/")
            .File("y/child", "2")
            .File("y", "now a file")
            .File("z", "old")
            .File("z", "new")
            .Build();

        await ExtractAsync(tar, fs);

        Assert.True(Directory.Exists(Path.Combine(fs, "x")));
        Assert.Equal("1", File.ReadAllText(Path.Combine(fs, "x/inside")));
        Assert.Equal("now a file", File.ReadAllText(Path.Combine(fs, "y")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(fs, "z")));
    }

    [Fact]
    public async Task Extract_LaterLinksReplaceEarlier_SymlinkAndHardlinkOverExistingNames()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("fs");
        var tar = new LayerTar()
            .File("bin/t", "target")
            .File("bin/s", "old")
            .Symlink("bin/s", "t")
            .File("bin/h", "old")
            .Hardlink("bin/h", "bin/t")
            .Symlink("bin/l", "nowhere")
            .Symlink("bin/l", "t")
            .Dir("bin/d/")
            .Hardlink("bin/d", "bin/t")
            .Build();

        await ExtractAsync(tar, fs);

        Assert.Equal("t", new FileInfo(Path.Combine(fs, "bin/s")).LinkTarget);
        Assert.Equal("t", new FileInfo(Path.Combine(fs, "bin/l")).LinkTarget);
        var target = StatOf(Path.Combine(fs, "bin/t"));
        Assert.Equal(3UL, target.Nlink);
        Assert.Equal(target.Ino, StatOf(Path.Combine(fs, "bin/h")).Ino);
        Assert.Equal(target.Ino, StatOf(Path.Combine(fs, "bin/d")).Ino);
    }

    [Fact]
    public async Task Extract_AbsoluteNamesAndUmociRoot_LandInsideTheLayer()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("fs");
        var hostPasswd = File.ReadAllText("/etc/passwd");
        var tar = new LayerTar()
            .Dir("/", 0x1ED)
            .Dir("/etc/")
            .File("/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
            .Symlink("lib", "usr/lib")
            .Dir("usr/lib/")
            .File("lib/through-a-relative-link", "ok")
            .Build();

        await ExtractAsync(tar, fs);

        Assert.Equal("root:x:0:0::/root:/bin/sh\n", File.ReadAllText(Path.Combine(fs, "etc/passwd")));
        Assert.Equal(hostPasswd, File.ReadAllText("/etc/passwd"));
        Assert.Equal("ok", File.ReadAllText(Path.Combine(fs, "usr/lib/through-a-relative-link")));
    }

    internal static string? GetXattr(string path, string name) => LayerSyscalls.GetXattr(path, name);
}
