using Orch.Engine.IO;

namespace Orch.Engine.Images.Layers;

/// <summary>Replays bytes already read (to sniff the compression) before the rest of the stream.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ReadOnlyStream
{
    private ReadOnlyMemory<byte> pending = prefix;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (!pending.IsEmpty)
        {
            var n = Math.Min(buffer.Length, pending.Length);
            pending[..n].CopyTo(buffer);
            pending = pending[n..];
            return n;
        }
        return await rest.ReadAsync(buffer, ct);
    }

    public override int Read(Span<byte> buffer)
    {
        if (!pending.IsEmpty)
        {
            var n = Math.Min(buffer.Length, pending.Length);
            pending.Span[..n].CopyTo(buffer);
            pending = pending[n..];
            return n;
        }
        return rest.Read(buffer);
    }
}
