using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Control;

/// <summary>
/// The control API (CLI → any manager). Reads go through the read barrier; writes are
/// proposals, forwarded to the leader by the store. No logic beyond translating errors.
/// </summary>
internal sealed partial class ControlApi(IReplicatedStore store) : Orch.Api.V1.Control.ControlBase
{
    public override Task<ListNodesResponse> ListNodes(ListNodesRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var nodes = await store.ReadAsync(s => s.ListNodes(), context.CancellationToken);
            var response = new ListNodesResponse { LeaderRaftAddr = store.Leader?.RaftAddress ?? "" };
            response.Nodes.AddRange(nodes);
            return response;
        });

    public override Task<Node> InspectNode(InspectNodeRequest request, ServerCallContext context) =>
        Guard(async () => await store.ReadAsync(s => s.GetNode(request.Id), context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"node {request.Id} not found")));

    public override Task<Node> UpdateNode(UpdateNodeRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var node = await store.ReadAsync(s => s.GetNode(request.Id), context.CancellationToken)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"node {request.Id} not found"));
            node.Spec = request.Spec ?? new NodeSpec();
            node.Meta.Version = request.Version;
            var result = await store.ProposeAsync(
                new Command { Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(node) } } } },
                context.CancellationToken);
            CommandErrors.ThrowIfFailed(result);
            return result.Objects[0].Node;
        });

    public override Task<Cluster> InspectSwarm(InspectSwarmRequest request, ServerCallContext context) =>
        Guard(async () => await store.ReadAsync(s => s.GetCluster(), context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "this node is not a swarm manager")));

    private static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StoreUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }
}
