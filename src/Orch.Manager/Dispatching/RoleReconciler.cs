using System.Net;
using Microsoft.Extensions.Logging;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Dispatching;

/// <summary>
/// Leader-only: makes the Raft membership follow demotions. A node whose spec says worker but
/// that is still a Raft member is removed from the membership (the leader resigns first when it
/// is the one demoted; the next leader finishes the job) and its manager status cleared.
/// Promotion needs nothing here: the promoted node asks to be added (RaftProxy.AddManager).
/// </summary>
internal sealed partial class RoleReconciler(RaftStore store, ILogger<RoleReconciler> logger)
{
    public async System.Threading.Tasks.Task RunAsync(CancellationToken leading)
    {
        using var watch = store.Watch();
        try
        {
            while (!leading.IsCancellationRequested)
            {
                foreach (var node in store.ReadLocal(s => s.ListNodes()))
                {
                    if (node.Spec?.Role == NodeRole.Worker && node.ManagerStatus is { RaftAddr.Length: > 0 } ms)
                    {
                        await DemoteAsync(node, ms, leading);
                    }
                }
                await watch.Events.WaitToReadAsync(leading);
                while (watch.Events.TryRead(out _))
                {
                }
            }
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
    }

    private async System.Threading.Tasks.Task DemoteAsync(Node node, ManagerStatus status, CancellationToken ct)
    {
        try
        {
            var endPoint = IPEndPoint.Parse(status.RaftAddr);
            if (store.Leader is { IsLocal: true } self && self.RaftAddress == status.RaftAddr)
            {
                LogResigning(node.Id);
                await store.ResignAsync(ct); // demoting the leader hands leadership over first
                return;
            }
            if (store.Members.Any(m => m.RaftAddress == status.RaftAddr))
            {
                await store.RemoveMemberAsync(endPoint, ct);
            }
            node.ManagerStatus = null;
            var result = await store.ProposeAsync(new Command { Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(node) } } } }, ct);
            if (result.Error == CommandErrorCode.None)
            {
                LogDemoted(node.Id, status.RaftAddr);
            }
        }
        catch (StoreUnavailableException e)
        {
            LogFailed(node.Id, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "node {NodeId} demoted: removed {RaftAddr} from the Raft membership")]
    private partial void LogDemoted(string nodeId, string raftAddr);

    [LoggerMessage(Level = LogLevel.Information, Message = "this leader (node {NodeId}) is being demoted: resigning leadership first")]
    private partial void LogResigning(string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "demotion of node {NodeId} not finished: {Reason}")]
    private partial void LogFailed(string nodeId, string reason);
}
