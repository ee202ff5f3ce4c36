using System.Buffers;
using System.Threading.Channels;

namespace Orch.Engine.Images.Layers;

/// <summary>
/// Moves a stream's bytes from one task to another in pooled chunks (at most <see cref="Capacity"/> in
/// flight), so that receiving, hashing and storing a layer blob runs on one core while decompressing,
/// hashing and unpacking it runs on another. <see cref="FillAsync"/> is the writing side; <see cref="Reader"/>
/// the reading side, which sees the writer's failure as its own.
/// </summary>
internal sealed class ChunkPipe
{
    public const int ChunkSize = 256 << 10;
    public const int Capacity = 8;

    private readonly Channel<(byte[] Buffer, int Count)> channel =
        Channel.CreateBounded<(byte[], int)>(new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true });

    public ChunkPipe() => Reader = new PipeReaderStream(channel.Reader);

    public Stream Reader { get; }

    /// <summary>Copies <paramref name="source"/> to the end into the pipe, then completes it (with the error, if any).</summary>
    public async Task FillAsync(Stream source, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                var n = await source.ReadAsync(buffer.AsMemory(0, ChunkSize), ct);
                if (n == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }
                await channel.Writer.WriteAsync((buffer, n), ct);
            }
            channel.Writer.Complete();
        }
        catch (Exception e)
        {
            channel.Writer.Complete(e);
            throw;
        }
    }

    private sealed class PipeReaderStream(ChannelReader<(byte[] Buffer, int Count)> reader) : Orch.Engine.IO.ReadOnlyStream
    {
        private byte[]? current;
        private int offset;
        private int count;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            if (current is null || offset == count)
            {
                if (current is not null)
                {
                    ArrayPool<byte>.Shared.Return(current);
                    current = null;
                }
                // WaitToReadAsync rethrows the writer's failure; false means the writer finished.
                if (!await reader.WaitToReadAsync(ct) || !reader.TryRead(out var chunk))
                {
                    return 0;
                }
                (current, offset, count) = (chunk.Buffer, 0, chunk.Count);
            }
            var n = Math.Min(buffer.Length, count - offset);
            current.AsSpan(offset, n).CopyTo(buffer.Span);
            offset += n;
            return n;
        }
    }
}
