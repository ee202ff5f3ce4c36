using Orch.Engine.Snapshots;

namespace Orch.Engine.Tests.Runtime;

/// <summary>Mount targets never leave the rootfs, whatever symlinks the image holds.</summary>
public sealed class RootfsPathTests : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("orch-rootfs-");

    private string R => root.FullName;

    [Fact]
    public void Join_PlainPath_StaysUnderRoot() =>
        Assert.Equal(R + "/a/b", RootfsPath.Join(R, "/a/b"));

    [Fact]
    public void Join_AbsoluteSymlink_IsResolvedAgainstTheRootfs_NotTheHost()
    {
        Directory.CreateDirectory(Path.Combine(R, "etc"));
        File.CreateSymbolicLink(Path.Combine(R, "data"), "/etc");
        Assert.Equal(R + "/etc/x", RootfsPath.Join(R, "/data/x"));
    }

    [Fact]
    public void Join_DotDotAndRelativeLinks_AreClampedAtTheRoot()
    {
        Directory.CreateDirectory(Path.Combine(R, "a"));
        File.CreateSymbolicLink(Path.Combine(R, "a", "up"), "../../../../host");
        Assert.Equal(R + "/host/f", RootfsPath.Join(R, "/a/up/f"));
        Assert.Equal(R + "/x", RootfsPath.Join(R, "/../../x"));
    }

    [Fact]
    public void Join_SymlinkLoop_Fails()
    {
        File.CreateSymbolicLink(Path.Combine(R, "loop"), "/loop");
        Assert.Throws<IOException>(() => RootfsPath.Join(R, "/loop/x"));
    }

    public void Dispose() => root.Delete(recursive: true);
}
