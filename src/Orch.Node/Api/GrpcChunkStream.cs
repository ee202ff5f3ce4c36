using Google.Protobuf;
using Grpc.Core;
using Orch.Engine.IO;

namespace Orch.Node.Api;

/// <summary>Reads a client-streamed upload (messages carrying byte chunks) as one forward-only stream.</summary>
internal sealed class GrpcChunkStream<T>(ByteString first, IAsyncStreamReader<T> reader, Func<T, ByteString> chunk, CancellationToken ct) : ReadOnlyStream
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
}
