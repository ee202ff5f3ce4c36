using Google.Protobuf;
using Grpc.Core;
using Orch.Api.V1;

namespace Orch.Node.Api;

/// <summary>orch save / orch load: image archives streamed in chunks both ways.</summary>
internal sealed partial class EngineApi
{
    public override async Task SaveImages(SaveImagesRequest request, IServerStreamWriter<DataChunk> responseStream, ServerCallContext context)
    {
        try
        {
            await using var sink = new BufferedStream(new GrpcWriteStream(responseStream, context.CancellationToken), 1 << 20);
            await images.SaveAsync(request.References, sink, context.CancellationToken);
            await sink.FlushAsync(context.CancellationToken);
        }
        catch (Exception e) when (ImageStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override async Task<LoadImagesResponse> LoadImages(IAsyncStreamReader<DataChunk> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        await using var body = new GrpcChunkStream<DataChunk>(ByteString.Empty, requestStream, c => c.Data, ct);
        try
        {
            var response = new LoadImagesResponse();
            response.Loaded.AddRange(await images.LoadAsync(body, ct));
            return response;
        }
        catch (Exception e) when (ImageStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }
}

/// <summary>A write-only stream whose writes become DataChunk messages (wrap it in a BufferedStream).</summary>
internal sealed class GrpcWriteStream(IServerStreamWriter<DataChunk> writer, CancellationToken ct) : Stream
{
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        await writer.WriteAsync(new DataChunk { Data = ByteString.CopyFrom(buffer.Span) }, ct);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
