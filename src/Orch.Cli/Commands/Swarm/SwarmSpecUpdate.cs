using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Swarm;

/// <summary>Read the cluster, change its spec, write it back with the version read; once more on a version conflict.</summary>
internal static class SwarmSpecUpdate
{
    public static async Task<Cluster> ApplyAsync(CliContext ctx, Action<Cluster, UpdateSwarmRequest> change, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var cluster = await ctx.Control.InspectSwarmAsync(new InspectSwarmRequest(), cancellationToken: ct);
            var request = new UpdateSwarmRequest { Version = cluster.Meta?.Version ?? 0, Spec = cluster.Spec?.Clone() ?? new ClusterSpec() };
            change(cluster, request);
            try
            {
                return await ctx.Control.UpdateSwarmAsync(request, cancellationToken: ct);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && attempt == 0)
            {
                // Someone else wrote the cluster object between our read and our write: re-read and re-apply.
            }
        }
    }
}
