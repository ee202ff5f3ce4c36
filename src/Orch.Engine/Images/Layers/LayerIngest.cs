using System.IO.Compression;

namespace Orch.Engine.Images.Layers;

/// <summary>What one pass over a layer produced.</summary>
/// <param name="Digest">sha256 of the bytes as received (the blob, compressed or not).</param>
/// <param name="DiffId">sha256 of the uncompressed tar (rootfs.diff_ids in the image config).</param>
internal sealed record IngestedLayer(string Digest, long BlobSize, string DiffId, long UnpackedSize, bool Gzip)
{
    public string MediaType => Gzip ? Oci.MediaTypes.LayerGzip : Oci.MediaTypes.Layer;
}

/// <summary>
/// One pass over a layer: the raw bytes are hashed and copied to the blob sink as they are read, then
/// (if gzip) decompressed, hashed again for the diff ID, and unpacked by <see cref="LayerExtractor"/>.
/// No second read of the data, no temporary uncompressed copy.
/// </summary>
internal static class LayerIngest
{
    public static async Task<IngestedLayer> RunAsync(Stream raw, Stream blobSink, string fsDir, CancellationToken ct)
    {
        using var blob = new HashingStream(raw, blobSink);
        var head = new byte[512];
        var got = await blob.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        var gzip = got >= 2 && head[0] == 0x1f && head[1] == 0x8b;
        if (!gzip && got >= 6 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
        {
            throw new InvalidDataException("zstd-compressed layers are not supported");
        }
        if (!gzip && got >= 3 && head[0] == 0x42 && head[1] == 0x5a && head[2] == 0x68)
        {
            throw new InvalidDataException("bzip2-compressed archives are not supported; use tar or tar.gz");
        }
        // Two cores: this task receives, hashes and stores the blob; the other decompresses, hashes and unpacks.
        var pipe = new ChunkPipe();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var receiving = Task.Run(async () =>
        {
            await pipe.FillAsync(blob, stop.Token);
            // The whole blob is here (the unpacking may still run): its bytes start on their way to the disk.
            if (blobSink is FileStream file)
            {
                file.Flush();
                LayerSyscalls.StartWriteback(file.SafeFileHandle);
            }
        }, CancellationToken.None);
        string diffId;
        using var extractor = new LayerExtractor(fsDir);
        try
        {
            Stream source = new PrefixedStream(head.AsMemory(0, got), pipe.Reader);
            await using (var decompressed = gzip ? new GZipStream(source, CompressionMode.Decompress, leaveOpen: true) : source)
            {
                using var tar = new HashingStream(decompressed);
                try
                {
                    await extractor.ExtractAsync(tar, ct);
                }
                catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
                {
                    throw new InvalidDataException($"invalid tar archive: {e.Message}", e);
                }
                diffId = await tar.FinishAsync(ct);
            }
            // Bytes after the end of the gzip member belong to the blob's digest; drain them so the receiver ends.
            await pipe.Reader.CopyToAsync(Stream.Null, ct);
            await receiving;
        }
        catch
        {
            await stop.CancelAsync();
            try
            {
                await receiving;
            }
            catch (Exception)
            {
                // The receiver's own failure (or its cancellation) is reported through the reader, or is ours.
            }
            throw;
        }
        var digest = await blob.FinishAsync(ct);
        if (extractor.Entries == 0)
        {
            throw new InvalidDataException("invalid tar archive: no entries (empty or not a tar file)");
        }
        return new IngestedLayer(digest, blob.BytesRead, diffId, extractor.Size, gzip);
    }
}
