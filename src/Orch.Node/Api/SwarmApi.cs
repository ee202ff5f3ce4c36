using Grpc.Core;
using Orch.Api.V1;
using Orch.Node.Swarm;

namespace Orch.Node.Api;

/// <summary>The local Swarm service (proto/orch/v1/swarm.proto): CLI → this node's membership. No logic here.</summary>
internal sealed class SwarmApi(SwarmController swarm) : Orch.Api.V1.Swarm.SwarmBase
{
    public override Task<SwarmInitResponse> Init(SwarmInitRequest request, ServerCallContext context) =>
        swarm.InitAsync(request, context.CancellationToken);

    public override Task<SwarmJoinResponse> Join(SwarmJoinRequest request, ServerCallContext context) =>
        swarm.JoinAsync(request, context.CancellationToken);

    public override async Task<SwarmLeaveResponse> Leave(SwarmLeaveRequest request, ServerCallContext context)
    {
        await swarm.LeaveAsync(request.Force, context.CancellationToken);
        return new SwarmLeaveResponse();
    }

    public override Task<SwarmInfo> Info(SwarmInfoRequest request, ServerCallContext context) => Task.FromResult(swarm.Info());
}
