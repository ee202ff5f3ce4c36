using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Control;

/// <summary>Manager-to-manager calls: forwarded proposals land here on the leader; status for the P2 watchdog.</summary>
internal sealed class RaftProxyService(RaftStore store) : RaftProxy.RaftProxyBase
{
    public override async Task<CommandResult> Propose(Command request, ServerCallContext context)
    {
        try
        {
            return await store.ProposeAsLeaderAsync(request, context.CancellationToken);
        }
        catch (StoreUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }

    public override async Task<AddManagerResponse> AddManager(AddManagerRequest request, ServerCallContext context)
    {
        var caller = Security.CallerIdentity.Require(context);
        try
        {
            await store.AddManagerAsync(request.NodeId.Length > 0 ? request.NodeId : caller.NodeId, request.RaftAddr, request.ApiAddr, context.CancellationToken);
            return new AddManagerResponse();
        }
        catch (StoreUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
        catch (ArgumentException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
    }

    public override Task<RaftStatus> Status(RaftStatusRequest request, ServerCallContext context)
    {
        var status = new RaftStatus
        {
            RaftAddr = store.Options.PublicEndPoint.ToString(),
            AppliedIndex = store.AppliedIndex,
            CommitIndex = store.CommitIndex,
            Term = store.Term,
            Leader = store.IsLeader,
        };
        status.ReachableRaftAddrs.AddRange(store.ReachableMembers);
        return System.Threading.Tasks.Task.FromResult(status);
    }
}
