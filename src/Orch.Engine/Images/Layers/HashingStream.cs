using System.Security.Cryptography;
using Orch.Engine.IO;

namespace Orch.Engine.Images.Layers;

/// <summary>
/// A read-only pass-through that hashes (sha256) everything read through it and optionally copies it to a
/// sink, so a layer is digested, stored and unpacked in one pass over the data.
/// </summary>
internal sealed class HashingStream(Stream inner, Stream? sink = null) : ReadOnlyStream
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    /// <summary>Reads the rest of the input (trailing padding belongs to the digest too) and returns the digest.</summary>
    public async Task<string> FinishAsync(CancellationToken ct)
    {
        var buffer = new byte[64 << 10];
        while (await ReadAsync(buffer, ct) > 0)
        {
        }
        return Digest.FromHash(hash.GetHashAndReset());
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer, ct);
        if (n > 0)
        {
            hash.AppendData(buffer.Span[..n]);
            BytesRead += n;
            // Written synchronously: the sink is a local file, and FileStream.WriteAsync on Linux queues every
            // write to another pool thread, a handoff that costs a scheduling round each on a busy machine.
            sink?.Write(buffer.Span[..n]);
        }
        return n;
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        if (n > 0)
        {
            hash.AppendData(buffer[..n]);
            BytesRead += n;
            sink?.Write(buffer[..n]);
        }
        return n;
    }

    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
