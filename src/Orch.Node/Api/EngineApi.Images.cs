using Grpc.Core;
using Orch.Api.V1;
using Orch.Engine.Images;
using Orch.Engine.Images.Layers;

namespace Orch.Node.Api;

/// <summary>Images: import, list, remove, inspect, tag, history. Maps engine errors to the proto's status codes.</summary>
internal sealed partial class EngineApi
{
    public override async Task<ImportImageResponse> ImportImage(IAsyncStreamReader<ImportImageRequest> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "import: no data"));
        }
        var first = requestStream.Current;
        await using var body = new GrpcChunkStream<ImportImageRequest>(first.Chunk, requestStream, r => r.Chunk, ct);
        try
        {
            var id = await images.ImportAsync(body, first.Reference, first.Changes, first.Message, ct);
            return new ImportImageResponse { ImageId = id };
        }
        catch (Exception e) when (ImageStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override Task<ListImagesResponse> ListImages(ListImagesRequest request, ServerCallContext context)
    {
        var response = new ListImagesResponse();
        foreach (var i in images.List())
        {
            var s = new Orch.Api.V1.ImageSummary { Id = i.Id, CreatedUnix = i.Created.ToUnixTimeSeconds(), Size = i.Size };
            s.RepoTags.AddRange(i.RepoTags);
            s.RepoDigests.AddRange(i.RepoDigests);
            response.Images.Add(s);
        }
        return Task.FromResult(response);
    }

    public override Task<RemoveImageResponse> RemoveImage(RemoveImageRequest request, ServerCallContext context) =>
        ImageCall(() =>
        {
            var result = images.Remove(request.Reference, request.Force, imageUsage.ContainerUsing);
            var response = new RemoveImageResponse();
            response.Untagged.AddRange(result.Untagged);
            response.Deleted.AddRange(result.Deleted);
            return response;
        });

    public override Task<PruneResponse> PruneImages(PruneImagesRequest request, ServerCallContext context) =>
        ImageCall(() =>
        {
            var (lines, reclaimed) = images.Prune(request.All, imageUsage.ContainerUsing);
            var response = new PruneResponse { SpaceReclaimed = reclaimed };
            response.Deleted.AddRange(lines);
            return response;
        });

    public override Task<InspectResponse> InspectImage(InspectImageRequest request, ServerCallContext context) =>
        ImageCall(() => new InspectResponse { Json = images.InspectJson(request.Reference) });

    public override Task<Empty> TagImage(TagImageRequest request, ServerCallContext context) =>
        ImageCall(() =>
        {
            images.Tag(request.Source, request.Target);
            return new Empty();
        });

    public override Task<ImageHistoryResponse> ImageHistory(InspectImageRequest request, ServerCallContext context) =>
        ImageCall(() =>
        {
            var response = new ImageHistoryResponse();
            foreach (var h in images.History(request.Reference))
            {
                response.Entries.Add(new ImageHistoryEntry
                {
                    Id = h.Id ?? "",
                    CreatedUnix = h.Created.ToUnixTimeSeconds(),
                    CreatedBy = h.CreatedBy,
                    Size = h.Size,
                    Comment = h.Comment,
                });
            }
            return response;
        });

    private static Task<T> ImageCall<T>(Func<T> call)
    {
        try
        {
            return Task.FromResult(call());
        }
        catch (Exception e) when (ImageStatus(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    private static Status? ImageStatus(Exception e) => e switch
    {
        ImageNotFoundException => new Status(StatusCode.NotFound, e.Message),
        ImageConflictException => new Status(StatusCode.FailedPrecondition, e.Message),
        ArgumentException or LayerEntryException or InvalidDataException or DigestMismatchException => new Status(StatusCode.InvalidArgument, e.Message),
        OperationCanceledException => null,
        IOException or UnauthorizedAccessException => new Status(StatusCode.Internal, e.Message),
        _ => null,
    };
}
