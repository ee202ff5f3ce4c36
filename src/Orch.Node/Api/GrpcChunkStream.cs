using Google.Protobuf;
using Grpc.Core;

namespace Orch.Node.Api;

/// <summary>Reads a client-streamed upload (messages carrying byte chunks) as one forward-only stream.</summary>
internal sealed class GrpcChunkStream<T>(ByteString first, IAsyncStreamReader<T> reader, Func<T, ByteString> chunk, CancellationToken ct) : Stream
{
    private ReadOnlyMemory<byte> current = first.Memory;
    private bool done;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (current.IsEmpty)
        {
            if (done || !await reader.MoveNext(ct))
            {
                done = true;
                return 0;
            }
            current = chunk(reader.Current).Memory;
        }
        var n = Math.Min(buffer.Length, current.Length);
        current[..n].CopyTo(buffer);
        current = current[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous readers block a thread-pool thread; the import path reads asynchronously.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
