using System.Runtime.InteropServices;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Engine.Images;
using Orch.Engine.Runtime.Cgroups;
using Orch.Engine.Volumes;
using Orch.Node.Hosting;
using EngineGrpc = Orch.Api.V1.Engine;

namespace Orch.Node.Api;

/// <summary>
/// The engine gRPC service: translates between proto messages and Orch.Engine calls.
/// One partial facet per noun (EngineApi.Containers.cs, EngineApi.Images.cs, …). No logic here.
/// </summary>
internal sealed partial class EngineApi(
    NodeOptions options,
    ImageStore images,
    IImageUsage imageUsage,
    ICgroupDriver cgroups,
    IVolumeStore volumes,
    VolumeInUse volumeInUse)
    : EngineGrpc.EngineBase
{
    public const string ApiVersion = "1.0";

    public override Task<VersionResponse> Version(VersionRequest request, ServerCallContext context) =>
        Task.FromResult(new VersionResponse
        {
            Version = typeof(EngineApi).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
            ApiVersion = ApiVersion,
            Os = "linux",
            Arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
            KernelVersion = Environment.OSVersion.Version.ToString(),
            CgroupVersion = cgroups.Version,
            DataRoot = options.DataRoot,
        });
}
