namespace Orch.Manager.State;

/// <summary>How a manager's Raft member starts (see notes/dotnext-raft.md §4).</summary>
internal enum RaftBootstrap
{
    /// <summary>`swarm init`: empty data dir; the member forms a one-member cluster (ColdStart).</summary>
    Init,

    /// <summary>
    /// `swarm join` as manager: empty data dir, no peers; the member waits in standby until the
    /// leader adds it with AddMemberAsync.
    /// </summary>
    Join,

    /// <summary>Start again from the data dir: membership from members.bin, state from snapshot + log.</summary>
    Restart,

    /// <summary>
    /// `swarm init --force-new-cluster`: keep all state of this data dir but drop the old
    /// membership; the member becomes the only manager of a new cluster.
    /// </summary>
    ForceNewCluster,
}
