using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Orch.Api.V1;

namespace Orch.Manager.Distribution;

/// <summary>
/// Serves this manager's content store to the cluster (distribution.proto): read-only, by digest. Any node
/// certificate of the cluster may call it (<see cref="Security.ClusterAuthorization"/>); callers verify
/// everything they receive, and the server hashes each blob as it streams so that a store damaged on disk
/// ends in DATA_LOSS instead of a silently wrong transfer.
/// </summary>
internal sealed class DistributionService(ILocalImages images) : Orch.Api.V1.Distribution.DistributionBase
{
    public const int ChunkSize = 1 << 20;

    public override Task<GetManifestResponse> GetManifest(GetManifestRequest request, ServerCallContext context)
    {
        var body = images.ReadManifest(request.Digest)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"manifest {request.Digest} is not on this manager"));
        return Task.FromResult(new GetManifestResponse { Body = ByteString.CopyFrom(body) });
    }

    public override async Task GetBlob(GetBlobRequest request, IServerStreamWriter<BlobChunk> responseStream, ServerCallContext context)
    {
        await using var blob = images.OpenBlob(request.Digest)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"blob {request.Digest} is not on this manager"));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkSize];
        int n;
        while ((n = await blob.ReadAsync(buffer, context.CancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            await responseStream.WriteAsync(new BlobChunk { Data = ByteString.CopyFrom(buffer, 0, n) }, context.CancellationToken);
        }
        var actual = "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
        if (actual != request.Digest)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, $"blob {request.Digest} on this manager is damaged (its bytes hash to {actual})"));
        }
    }
}
