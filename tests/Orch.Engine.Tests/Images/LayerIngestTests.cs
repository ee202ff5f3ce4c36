using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Orch.Engine.Images;
using Orch.Engine.Images.Layers;

namespace Orch.Engine.Tests.Images;

/// <summary>The one-pass ingest: what streams in is stored, digested and unpacked byte for byte.</summary>
public sealed class LayerIngestTests
{
    [Fact]
    public async Task Ingest_FileSpanningManyCopyChunks_UnpacksExactBytesAndDigests()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        // Larger than several 1 MiB copy chunks and not a multiple of any buffer size on the way.
        var content = RandomNumberGenerator.GetBytes((5 << 20) + 12345);
        var small = "after the big one"u8.ToArray();
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "big") { DataStream = new MemoryStream(content) });
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "small") { DataStream = new MemoryStream(small) });
        }
        using var gz = new MemoryStream();
        await using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            await z.WriteAsync(tar.ToArray());
        }
        using var sink = new MemoryStream();

        var got = await LayerIngest.RunAsync(new MemoryStream(gz.ToArray()), sink, t.Sub("fs"), CancellationToken.None);

        Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(t.Sub("fs"), "big")));
        Assert.Equal(small, await File.ReadAllBytesAsync(Path.Combine(t.Sub("fs"), "small")));
        Assert.Equal(gz.ToArray(), sink.ToArray());
        Assert.Equal(Digest.Of(gz.ToArray()), got.Digest);
        Assert.Equal(Digest.Of(tar.ToArray()), got.DiffId);
        Assert.Equal(content.Length + small.Length, got.UnpackedSize);
        Assert.True(got.Gzip);
    }
}
