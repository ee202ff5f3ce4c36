using Grpc.Core;
using Orch.Api.V1;

namespace Orch.Node.Api;

/// <summary>The local LoadBalancer service (proto/orch/v1/loadbalancer.proto): this node's balancer counters. No logic here.</summary>
internal sealed class LoadBalancerApi(Orch.LoadBalancer.LoadBalancer balancer) : Orch.Api.V1.LoadBalancer.LoadBalancerBase
{
    public override Task<LoadBalancerStats> Stats(LoadBalancerStatsRequest request, ServerCallContext context) =>
        balancer.StatsAsync(request.ServiceId, context.CancellationToken);
}
