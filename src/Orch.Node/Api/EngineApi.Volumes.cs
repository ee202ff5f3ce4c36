using System.Text;
using System.Text.Json;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Engine.Volumes;

namespace Orch.Node.Api;

/// <summary>orch volume create|ls|inspect|rm|prune.</summary>
internal sealed partial class EngineApi
{
    public override Task<Volume> CreateVolume(CreateVolumeRequest request, ServerCallContext context) =>
        Task.FromResult(VolumeCall(() => ToProto(volumes.Create(request.Name, request.Labels))));

    public override Task<ListVolumesResponse> ListVolumes(Empty request, ServerCallContext context)
    {
        var response = new ListVolumesResponse();
        response.Volumes.AddRange(volumes.List().Select(ToProto));
        return Task.FromResult(response);
    }

    public override Task<InspectResponse> InspectVolume(VolumeRef request, ServerCallContext context)
    {
        var v = volumes.Get(request.Name)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"get {request.Name}: no such volume"));
        return Task.FromResult(new InspectResponse { Json = InspectJson(v) });
    }

    public override Task<Empty> RemoveVolume(RemoveVolumeRequest request, ServerCallContext context) =>
        Task.FromResult(VolumeCall(() =>
        {
            volumes.Remove(request.Name, request.Force, n => volumeInUse(n));
            return new Empty();
        }));

    public override Task<PruneResponse> PruneVolumes(Empty request, ServerCallContext context)
    {
        var removed = volumes.Prune(n => volumeInUse(n));
        var response = new PruneResponse { SpaceReclaimed = removed.Sum(v => v.Size) };
        response.Deleted.AddRange(removed.Select(v => v.Name));
        return Task.FromResult(response);
    }

    private static T VolumeCall<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (VolumeException e)
        {
            var code = e.Error switch
            {
                VolumeError.NotFound => StatusCode.NotFound,
                VolumeError.InUse => StatusCode.FailedPrecondition,
                _ => StatusCode.InvalidArgument,
            };
            throw new RpcException(new Status(code, e.Message));
        }
    }

    private static Volume ToProto(VolumeRecord v)
    {
        var p = new Volume { Name = v.Name, Driver = "local", Mountpoint = v.Mountpoint, CreatedUnix = v.Created.ToUnixTimeSeconds() };
        foreach (var (k, val) in v.Labels)
        {
            p.Labels[k] = val;
        }
        return p;
    }

    /// <summary>Docker's volume inspect object (keys in Docker's order), indented by 4 as `docker volume inspect` prints it.</summary>
    private static string InspectJson(VolumeRecord v)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
        {
            w.WriteStartObject();
            w.WriteString("CreatedAt", v.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("Driver", "local");
            w.WriteStartObject("Labels");
            foreach (var (k, val) in v.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, val);
            }
            w.WriteEndObject();
            w.WriteString("Mountpoint", v.Mountpoint);
            w.WriteString("Name", v.Name);
            w.WriteStartObject("Options");
            w.WriteEndObject();
            w.WriteString("Scope", "local");
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
