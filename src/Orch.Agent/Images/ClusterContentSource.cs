using Google.Protobuf;
using Grpc.Core;
using Orch.Agent.Session;
using Orch.Api.V1;
using Orch.Engine.Images;
using Polly;
using Polly.Retry;

namespace Orch.Agent.Images;

/// <summary>
/// The managers' content stores (distribution.proto) as one <see cref="IContentSource"/>: the manifest from the
/// first manager, in the given order, that holds the whole image; blobs from that manager first, then the others.
/// Nothing is trusted: the engine verifies every byte. A round in which some manager was unreachable is retried
/// with backoff (Polly, the agent's edge); a round in which every manager answered "not here" is final.
/// </summary>
internal sealed class ClusterContentSource(ManagerChannels channels, IReadOnlyList<string> managers) : IContentSource
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private static readonly ResiliencePipeline Rounds = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<ManagersUnreachableException>(),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(500),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    private string? holder;

    public async Task<(byte[] Body, string MediaType)> GetManifestAsync(string tagOrDigest, CancellationToken ct)
    {
        if (!Digest.IsValid(tagOrDigest))
        {
            throw new ImageNotFoundException(tagOrDigest, $"the managers serve images by digest only, not {tagOrDigest}");
        }
        return await Rounds.ExecuteAsync(async token => await Round(async manager =>
        {
            var client = new Distribution.DistributionClient(channels.For(manager));
            var response = await client.GetManifestAsync(new GetManifestRequest { Digest = tagOrDigest },
                deadline: DateTime.UtcNow + CallTimeout, cancellationToken: token);
            holder = manager;
            return (response.Body.ToByteArray(), response.MediaType);
        }, "manifest " + tagOrDigest, token), ct);
    }

    public async Task<Stream> OpenBlobAsync(string digest, CancellationToken ct) =>
        await Rounds.ExecuteAsync(async token => await Round<Stream>(async manager =>
        {
            var client = new Distribution.DistributionClient(channels.For(manager));
            var call = client.GetBlob(new GetBlobRequest { Digest = digest }, cancellationToken: token);
            try
            {
                // The first chunk (or the NOT_FOUND) comes now, so that a manager without the blob is skipped here.
                var first = await call.ResponseStream.MoveNext(token) ? call.ResponseStream.Current.Data : ByteString.Empty;
                return new BlobStream(call, first);
            }
            catch
            {
                call.Dispose();
                throw;
            }
        }, "blob " + digest, token), ct);

    /// <summary>Tries <paramref name="call"/> on each manager (the one that gave the manifest first).</summary>
    private async Task<T> Round<T>(Func<string, Task<T>> call, string what, CancellationToken ct)
    {
        var order = holder is { } h ? [h, .. managers.Where(m => m != h)] : managers.ToList();
        var unreachable = new List<string>();
        foreach (var manager in order)
        {
            try
            {
                return await call(manager);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                unreachable.Add($"{manager}: {e.Status.Detail}");
            }
        }
        if (unreachable.Count > 0)
        {
            throw new ManagersUnreachableException($"{what}: not found on the managers that answered; unreachable: {string.Join("; ", unreachable)}");
        }
        throw new ImageNotFoundException(what, $"{what} is not on any manager");
    }

    /// <summary>A blob's chunks as a read-only stream; disposing it ends the call.</summary>
    private sealed class BlobStream(AsyncServerStreamingCall<BlobChunk> call, ByteString first) : Stream
    {
        private ReadOnlyMemory<byte> pending = first.Memory;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            while (pending.IsEmpty)
            {
                if (!await call.ResponseStream.MoveNext(ct))
                {
                    return 0;
                }
                pending = call.ResponseStream.Current.Data.Memory;
            }
            var n = Math.Min(buffer.Length, pending.Length);
            pending[..n].CopyTo(buffer);
            pending = pending[n..];
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                call.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>No manager had the content and at least one could not be asked: worth another round.</summary>
internal sealed class ManagersUnreachableException(string message) : Exception(message);
