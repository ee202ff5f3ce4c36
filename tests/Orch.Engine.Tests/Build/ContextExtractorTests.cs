using System.Formats.Tar;
using Orch.Engine.Build;
using Orch.Engine.Tests.Images;

namespace Orch.Engine.Tests.Build;

public sealed class ContextExtractorTests
{
    [Fact]
    public async Task Extract_KeepsSymlinksButNeverWritesThroughThem()
    {
        using var tmp = new TempDir();
        var outside = tmp.Sub("outside");
        var root = tmp.Sub("ctx");
        var tar = new MemoryStream();
        await using (var w = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = outside });
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "ok/file.txt") { DataStream = new MemoryStream("hi"u8.ToArray()) });
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "link/evil") { DataStream = new MemoryStream("x"u8.ToArray()) });
        }
        tar.Position = 0;
        await Assert.ThrowsAsync<InvalidDataException>(() => ContextExtractor.ExtractAsync(tar, root, CancellationToken.None));
        Assert.Equal(outside, new FileInfo(Path.Combine(root, "link")).LinkTarget);
        Assert.Equal("hi", File.ReadAllText(Path.Combine(root, "ok/file.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    [Fact]
    public async Task Extract_DotDotNames_StayInside()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("ctx");
        var tar = new MemoryStream();
        await using (var w = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "../escape.txt") { DataStream = new MemoryStream("x"u8.ToArray()) });
        }
        tar.Position = 0;
        await ContextExtractor.ExtractAsync(tar, root, CancellationToken.None);
        Assert.False(File.Exists(Path.Combine(tmp.Path, "escape.txt")));
    }
}
