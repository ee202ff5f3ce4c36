using System.Net;
using DotNext.Net.Cluster;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

internal sealed partial class RaftStore
{
    /// <summary>
    /// The managers reachable now as the cluster sees them. A DotNext follower tracks no peer but the leader, so
    /// on a follower every other follower would look Unreachable: it asks the leader (RaftProxy.Status) for its
    /// view and adds itself. Falls back to the local view when the leader cannot be asked within a second.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReachableMembersAsync(CancellationToken ct)
    {
        var local = ReachableMembers;
        if (IsLeader || raft.Leader is not { IsRemote: true } leader)
        {
            return local;
        }
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(TimeSpan.FromSeconds(1));
            if (!(await leader.GetMetadataAsync(false, deadline.Token)).TryGetValue("api", out var api))
            {
                return local;
            }
            var status = await leaders.StatusAsync(api, TimeSpan.FromSeconds(1), deadline.Token);
            return [.. status.ReachableRaftAddrs.Union(local, StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is RpcException or MemberUnavailableException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return local;
        }
    }

    /// <summary>
    /// Adds a manager that is already running its Raft member in standby: the leader adds it to
    /// the membership (it catches up first) and records its addresses on its node object. A
    /// follower forwards the request to the leader. Safe to repeat.
    /// </summary>
    /// <exception cref="ArgumentException">The Raft address is not an IP endpoint.</exception>
    public async System.Threading.Tasks.Task AddManagerAsync(string nodeId, string raftAddr, string apiAddr, CancellationToken ct)
    {
        if (!IPEndPoint.TryParse(raftAddr, out var endPoint) || endPoint.Port == 0)
        {
            throw new ArgumentException($"manager address {raftAddr} is not IP:PORT");
        }
        await WithQuorumAsync("the manager was not added", async token =>
        {
            ThrowIfFailed();
            if (IsLeader)
            {
                await AddHereAsync(nodeId, endPoint, raftAddr, apiAddr, token);
                return true;
            }
            var leader = raft.Leader;
            if (leader is null || !leader.IsRemote)
            {
                throw new RetryableException("no leader");
            }
            string? api;
            try
            {
                (await leader.GetMetadataAsync(false, token)).TryGetValue("api", out api);
            }
            catch (MemberUnavailableException)
            {
                throw new RetryableException($"leader {leader.EndPoint} unreachable");
            }
            try
            {
                await leaders.AddManagerAsync(api ?? throw new RetryableException("leader publishes no API address"),
                    new AddManagerRequest { NodeId = nodeId, RaftAddr = raftAddr, ApiAddr = apiAddr }, token);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                throw new RetryableException($"leader {api}: {e.Status.Detail}");
            }
            return true;
        }, ct);
    }

    private async System.Threading.Tasks.Task AddHereAsync(string nodeId, IPEndPoint endPoint, string raftAddr, string apiAddr, CancellationToken ct)
    {
        var node = machine.State.GetNode(nodeId) ?? throw new ArgumentException($"node {nodeId} is not in the swarm");
        if (!raft.Members.Any(m => Equals(m.EndPoint, endPoint)))
        {
            await AddMemberAsync(endPoint, ct);
        }
        node.ManagerStatus = new ManagerStatus { RaftAddr = raftAddr, ApiAddr = apiAddr };
        node.Spec ??= new NodeSpec();
        node.Spec.Role = NodeRole.Manager;
        var result = await ReplicateHereAsync(new Command
        {
            RequestId = Guid.NewGuid().ToString("N"),
            Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(node) } } },
        }, ct);
        if (result.Error != CommandErrorCode.None)
        {
            throw new RetryableException($"recording manager {nodeId}: {result.Message}");
        }
    }
}
