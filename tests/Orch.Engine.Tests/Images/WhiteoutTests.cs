using Orch.Testing;
using static Orch.Engine.Images.Layers.LayerSyscalls;

namespace Orch.Engine.Tests.Images;

/// <summary>OCI whiteouts become overlayfs whiteouts, and a real overlay mount then hides what they delete.</summary>
public sealed class WhiteoutTests
{
    [Fact]
    public async Task Whiteouts_BecomeCharDevice00_AndOpaqueXattr()
    {
        Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("fs");

        await LayerExtractorTests.ExtractAsync(new LayerTar().Dir("d/").File("d/.wh..wh..opq", "").File(".wh.gone", "").File("d/.wh..wh.plnk", "").Build(), fs);

        var gone = LayerExtractorTests.StatOf(Path.Combine(fs, "gone"));
        Assert.Equal(S_IFCHR, gone.Mode & S_IFMT);
        Assert.Equal(0ul, gone.Rdev);
        Assert.Equal("y", LayerExtractorTests.GetXattr(Path.Combine(fs, "d"), "trusted.overlay.opaque"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fs, "d")));
        Assert.False(File.Exists(Path.Combine(fs, ".wh.gone")));
    }

    [Fact]
    public async Task OverlayMount_OfTwoLayers_HidesWhiteoutsAndOpaqueDirectoryContents()
    {
        Requirements.Root();
        using var t = new TempDir();
        var lower = t.Sub("l1/fs");
        var upper = t.Sub("l2/fs");
        var mnt = t.Sub("mnt");
        await LayerExtractorTests.ExtractAsync(new LayerTar().File("a", "a").File("keep", "k").Dir("d/").File("d/old", "o").Build(), lower);
        await LayerExtractorTests.ExtractAsync(new LayerTar().File(".wh.a", "").Dir("d/").File("d/.wh..wh..opq", "").File("d/new", "n").Build(), upper);

        var mount = await ProcessRunner.RunAsync("mount", ["-t", "overlay", "overlay", "-o", $"ro,lowerdir={upper}:{lower}", mnt]);
        Assert.True(mount.ExitCode == 0, mount.ToString());
        try
        {
            Assert.Equal(["d", "keep"], Directory.GetFileSystemEntries(mnt).Select(Path.GetFileName).Order());
            Assert.Equal(["new"], Directory.GetFileSystemEntries(Path.Combine(mnt, "d")).Select(Path.GetFileName));
            Assert.False(File.Exists(Path.Combine(mnt, "a")));
        }
        finally
        {
            var umount = await ProcessRunner.RunAsync("umount", [mnt]);
            Assert.True(umount.ExitCode == 0, umount.ToString());
        }
        Assert.Empty(LeakCheck.MountsBelow(t.Path));
    }
}
