using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orch.Api.V1;
using Orch.Engine.Build;
using EngineBuildOptions = Orch.Engine.Build.BuildOptions;

namespace Orch.Node.Api;

/// <summary>
/// `orch build` and `orch builder prune`. The builder comes from the request's services rather than the
/// constructor, so the other facets stay as they are.
/// </summary>
internal sealed partial class EngineApi
{
    public override async Task Build(IAsyncStreamReader<BuildRequest> requestStream, IServerStreamWriter<BuildMessage> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var builder = context.GetHttpContext().RequestServices.GetRequiredService<ImageBuilder>();
        if (!await requestStream.MoveNext(ct) || requestStream.Current.MsgCase != BuildRequest.MsgOneofCase.Options)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "build: the first message must carry the options"));
        }
        var o = requestStream.Current.Options;
        var dir = Path.Combine(options.DataRoot, "builder", "tmp", "context-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            await using (var tar = new GrpcChunkStream<BuildRequest>(ByteString.Empty, requestStream, r => r.Context, ct))
            {
                try
                {
                    await ContextExtractor.ExtractAsync(tar, dir, ct);
                }
                catch (Exception e) when (e is InvalidDataException or FormatException or IOException && !ct.IsCancellationRequested)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"build context: {e.Message}"));
                }
            }
            var request = new EngineBuildOptions
            {
                ContextDir = dir,
                DockerfileText = o.Dockerfile,
                DockerfileName = o.DockerfileName.Length > 0 ? o.DockerfileName : "Dockerfile",
                Tags = [.. o.Tags],
                BuildArgs = o.BuildArgs.ToDictionary(),
                Labels = o.Labels.ToDictionary(),
                NoCache = o.NoCache,
                Target = o.Target,
                Pull = o.Pull,
                Quiet = o.Quiet,
            };
            string id;
            try
            {
                id = await builder.BuildAsync(request, text => new ValueTask(responseStream.WriteAsync(new BuildMessage { Stream = text }, ct)), ct);
            }
            catch (BuildException e)
            {
                throw new RpcException(new Status(StatusCode.Aborted, e.Message), new Metadata { { "exit-code", e.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
            }
            catch (Exception e) when (ImageStatus(e) is { } status)
            {
                throw new RpcException(status);
            }
            await responseStream.WriteAsync(new BuildMessage { ImageId = id }, ct);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public override Task<PruneResponse> PruneBuildCache(Empty request, ServerCallContext context)
    {
        var builder = context.GetHttpContext().RequestServices.GetRequiredService<ImageBuilder>();
        var (entries, reclaimed) = builder.PruneCache();
        var response = new PruneResponse { SpaceReclaimed = reclaimed };
        if (entries > 0)
        {
            response.Deleted.Add($"{entries} build cache entries");
        }
        return Task.FromResult(response);
    }
}
