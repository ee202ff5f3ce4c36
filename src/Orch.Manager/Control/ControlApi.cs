using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Control;

/// <summary>
/// The control API (CLI → any manager). Reads go through the read barrier; writes are
/// proposals, forwarded to the leader by the store. No logic beyond translating errors.
/// </summary>
internal sealed partial class ControlApi(IReplicatedStore store, Distribution.ImagePinner pinner, Orch.Manager.Dispatching.LogBroker logs) : Orch.Api.V1.Control.ControlBase
{
    public override Task<ListNodesResponse> ListNodes(ListNodesRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var nodes = await store.ReadAsync(s => s.ListNodes(), context.CancellationToken);
            var response = new ListNodesResponse { LeaderRaftAddr = store.Leader?.RaftAddress ?? "" };
            response.Nodes.AddRange(nodes);
            response.ReachableRaftAddrs.AddRange(await store.ReachableMembersAsync(context.CancellationToken));
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
            var spec = request.Spec ?? new NodeSpec();
            if (node.Spec?.Role == NodeRole.Manager && spec.Role == NodeRole.Worker)
            {
                var managers = await store.ReadAsync(s => s.ListNodes().Count(n => n.Spec?.Role == NodeRole.Manager), context.CancellationToken);
                if (managers <= 1)
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition,
                        $"node {request.Id} is the last manager of the swarm and can't be demoted"));
                }
            }
            node.Spec = spec;
            node.Meta.Version = request.Version;
            var result = await store.ProposeAsync(
                new Command { Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(node) } } } },
                context.CancellationToken);
            CommandErrors.ThrowIfFailed(result);
            return result.Objects[0].Node;
        });

    public override Task<Cluster> InspectSwarm(InspectSwarmRequest request, ServerCallContext context) =>
        Guard(async () => WithoutKey(await ReadClusterAsync(context)));

    public override Task<Cluster> UpdateSwarm(UpdateSwarmRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var cluster = await ReadClusterAsync(context);
            if (request.Spec is { } spec)
            {
                cluster.Spec = spec;
            }
            var ca = cluster.RootCa.CaCertPem;
            var der = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(ca).RawData;
            if (request.RotateWorkerToken)
            {
                cluster.RootCa.JoinTokens.Worker = Orch.Security.JoinToken.Generate(der).ToString();
            }
            if (request.RotateManagerToken)
            {
                cluster.RootCa.JoinTokens.Manager = Orch.Security.JoinToken.Generate(der).ToString();
            }
            if (request.Version != 0)
            {
                cluster.Meta.Version = request.Version;
            }
            var result = await store.ProposeAsync(
                new Command { Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(cluster) } } } }, context.CancellationToken);
            CommandErrors.ThrowIfFailed(result);
            return WithoutKey(result.Objects[0].Cluster);
        });

    public override Task<RemoveNodeResponse> RemoveNode(RemoveNodeRequest request, ServerCallContext context) =>
        Guard(async () =>
        {
            var node = await store.ReadAsync(s => s.GetNode(request.Id), context.CancellationToken)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"node {request.Id} not found"));
            if (node.Spec?.Role == NodeRole.Manager || node.ManagerStatus is { RaftAddr.Length: > 0 })
            {
                // As Docker: a manager leaves the Raft membership through demotion first, so that
                // removing it can never silently cost the quorum.
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"node {request.Id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal"));
            }
            if (!request.Force && node.Status?.State != NodeState.Down)
            {
                throw new RpcException(new Status(StatusCode.FailedPrecondition,
                    $"node {request.Id} is not down and can't be removed (use --force to remove it anyway)"));
            }
            var result = await store.ProposeAsync(new Command
            {
                Ops = { new Op { Remove = new RemoveOp { Kind = ObjectKind.Node, Id = request.Id } } },
            }, context.CancellationToken);
            CommandErrors.ThrowIfFailed(result);
            return new RemoveNodeResponse();
        });

    private async Task<Cluster> ReadClusterAsync(ServerCallContext context) =>
        await store.ReadAsync(s => s.GetCluster(), context.CancellationToken)
        ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "this node is not a swarm manager"));

    /// <summary>The CA key never leaves the managers' store.</summary>
    private static Cluster WithoutKey(Cluster cluster)
    {
        var copy = cluster.Clone();
        copy.RootCa.CaKeyPem = "";
        return copy;
    }

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
