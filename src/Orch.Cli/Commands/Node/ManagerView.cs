using Orch.Api.V1;
using NodeObject = Orch.Api.V1.Objects.Node;

namespace Orch.Cli.Commands.Node;

/// <summary>
/// A manager's standing as the answering manager sees it (ListNodes): Leader when its Raft address is the
/// leader's, Reachable when that manager can reach it now, else Unreachable. Empty for workers.
/// </summary>
internal sealed class ManagerView(string leaderRaftAddr, IReadOnlyCollection<string> reachable)
{
    public static ManagerView From(ListNodesResponse r) => new(r.LeaderRaftAddr, r.ReachableRaftAddrs.ToHashSet(StringComparer.Ordinal));

    public bool IsManager(NodeObject n) => n.ManagerStatus is { RaftAddr.Length: > 0 };

    public bool IsLeader(NodeObject n) => IsManager(n) && leaderRaftAddr.Length > 0 && n.ManagerStatus.RaftAddr == leaderRaftAddr;

    /// <summary>"reachable" / "unreachable" (JSON wording); the leader is reachable by definition.</summary>
    public string Reachability(NodeObject n) =>
        IsLeader(n) || reachable.Contains(n.ManagerStatus.RaftAddr) ? "reachable" : "unreachable";

    /// <summary>MANAGER STATUS column of node ls.</summary>
    public string Column(NodeObject n) =>
        !IsManager(n) ? "" : IsLeader(n) ? "Leader" : NodeText.Title(Reachability(n));
}
