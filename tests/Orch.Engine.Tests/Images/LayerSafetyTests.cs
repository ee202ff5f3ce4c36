using Orch.Engine.Images.Layers;
using static Orch.Engine.Images.Layers.LayerSyscalls;

namespace Orch.Engine.Tests.Images;

/// <summary>
/// Malicious layers: every way out of the layer root is refused with an error naming the entry, and the
/// host is checked afterwards — the file the attack aimed at does not exist / was not touched.
/// </summary>
public sealed class LayerSafetyTests
{
    private static async Task<LayerEntryException> RefusedAsync(byte[] tar, string fs) =>
        await Assert.ThrowsAsync<LayerEntryException>(() => LayerExtractorTests.ExtractAsync(tar, fs));

    [Fact]
    public async Task DotDotPath_IsRefused_AndNothingIsWrittenOutside()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("layer/fs");
        var target = "/tmp/orch-escape-" + Guid.NewGuid().ToString("N");
        var name = "../../../../../../../../.." + target;

        var e = await RefusedAsync(new LayerTar().File("ok", "1").File(name, "pwned").Build(), fs);

        Assert.Equal(name, e.Entry);
        Assert.Contains($"layer entry \"{name}\": path climbs out of the layer root", e.Message);
        Assert.False(File.Exists(target));
        Assert.Equal(["layer"], Directory.GetFileSystemEntries(t.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task AbsolutePathClimbingOut_IsRefused()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("layer/fs");
        var target = "/tmp/orch-escape-" + Guid.NewGuid().ToString("N");
        var name = "/../.." + target;

        var e = await RefusedAsync(new LayerTar().File(name, "pwned").Build(), fs);

        Assert.Contains(name, e.Message);
        Assert.False(File.Exists(target));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SymlinkThenWriteThroughIt_IsRefused(bool absoluteLink)
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("layer/fs");
        var outside = t.Sub("outside");
        var link = absoluteLink ? outside : "../../outside";

        var e = await RefusedAsync(new LayerTar().Symlink("evil", link).File("evil/pwned", "x").Build(), fs);

        Assert.Equal("evil/pwned", e.Entry);
        Assert.Contains("escapes the layer root", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task DirectoryReplacedBySymlinkBetweenItsEntries_LaterEntryIsRefused_NothingLandsOutside()
    {
        // The extractor keeps the directory of consecutive entries open; an entry replacing that directory must
        // not leave the next ones writing into the old one, nor through the new symlink.
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("layer/fs");
        var outside = t.Sub("outside");

        var e = await RefusedAsync(new LayerTar().File("d/a", "1").File("d/b", "2").Symlink("d", outside).File("d/c", "pwned").Build(), fs);

        Assert.Equal("d/c", e.Entry);
        Assert.Contains("escapes the layer root", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task SymlinkChainToRoot_ThenDirectoryThroughIt_IsRefused()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("layer/fs");
        var outside = t.Sub("outside");

        var e = await RefusedAsync(new LayerTar().Symlink("a", "b").Symlink("b", "/").Dir($"a{outside}/newdir/").Build(), fs);

        Assert.StartsWith("a/", e.Entry);
        Assert.False(Directory.Exists(Path.Combine(outside, "newdir")));
    }

    [Theory]
    [InlineData("/etc/shadow", "is not in the layer")]
    [InlineData("../../../../../../../../etc/shadow", "climbs out of the layer root")]
    public async Task HardlinkToHostShadow_IsRefused_AndShadowKeepsItsLinkCount(string target, string reason)
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("layer/fs");
        var before = LayerExtractorTests.StatOf("/etc/shadow");

        var e = await RefusedAsync(new LayerTar().Hardlink("shadow", target).Build(), fs);

        Assert.Equal("shadow", e.Entry);
        Assert.Contains(reason, e.Message);
        Assert.Equal(before.Nlink, LayerExtractorTests.StatOf("/etc/shadow").Nlink);
        Assert.False(File.Exists(Path.Combine(fs, "shadow")));
    }

    [Fact]
    public async Task HardlinkThroughSymlinkToHost_IsRefused()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("layer/fs");
        var before = LayerExtractorTests.StatOf("/etc/shadow");

        var e = await RefusedAsync(new LayerTar().Symlink("etc", "/etc").Hardlink("stolen", "etc/shadow").Build(), fs);

        Assert.Equal("stolen", e.Entry);
        Assert.Contains("escapes the layer root", e.Message);
        Assert.Equal(before.Nlink, LayerExtractorTests.StatOf("/etc/shadow").Nlink);
    }

    [Fact]
    public async Task HardlinkToSymlink_LinksTheSymlinkNotItsTarget()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var fs = t.Sub("layer/fs");
        var before = LayerExtractorTests.StatOf("/etc/shadow");

        await LayerExtractorTests.ExtractAsync(new LayerTar().Symlink("s", "/etc/shadow").Hardlink("h", "s").Build(), fs);

        Assert.Equal(S_IFLNK, LayerExtractorTests.StatOf(Path.Combine(fs, "h")).Mode & S_IFMT);
        Assert.Equal(before.Nlink, LayerExtractorTests.StatOf("/etc/shadow").Nlink);
    }
}
