using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

/// <summary>
/// The cluster store as the rest of the manager sees it: commands in, results out, fresh reads,
/// change events, leadership. It hides DotNext entirely so that the Raft library can be patched
/// or replaced (notes/dotnext-raft.md §11).
/// <para>Contract:</para>
/// <list type="bullet">
/// <item>A proposal is applied at most once per request id (empty ids get a fresh one), on every
/// manager, in the same order. A follower forwards it to the leader.</item>
/// <item>Validation that depends on state (existence, versions) happens at apply time; a rejected
/// command comes back as a <see cref="CommandResult"/> with an error, not as an exception.</item>
/// <item>Without a leader or quorum, calls fail within <see cref="RaftStoreOptions.QuorumTimeout"/>
/// with <see cref="StoreUnavailableException"/> instead of hanging.</item>
/// </list>
/// </summary>
internal interface IReplicatedStore
{
    /// <summary>True while this manager is leader and its term's first entry is applied.</summary>
    bool IsLeader { get; }

    /// <summary>The current leader as this member knows it, or null during an election.</summary>
    ManagerMember? Leader { get; }

    /// <summary>Raft addresses of the managers this one can reach now, itself included (MANAGER STATUS Reachable).</summary>
    IReadOnlyList<string> ReachableMembers => Leader is { } l ? [l.RaftAddress] : [];

    /// <summary>
    /// <see cref="ReachableMembers"/> as the cluster sees it: on a follower, which tracks no peer but the
    /// leader, the leader's view (plus this member); the local view when the leader cannot be asked.
    /// </summary>
    Task<IReadOnlyList<string>> ReachableMembersAsync(CancellationToken ct) => System.Threading.Tasks.Task.FromResult(ReachableMembers);

    /// <summary>Replicates a command (forwarding it to the leader if needed) and returns its outcome.</summary>
    /// <exception cref="StoreUnavailableException">No leader or no quorum within the timeout.</exception>
    Task<CommandResult> ProposeAsync(Command command, CancellationToken ct);

    /// <summary>Linearizable read: waits until this member has applied everything committed before the call.</summary>
    /// <exception cref="StoreUnavailableException">No leader or no quorum within the timeout.</exception>
    Task<T> ReadAsync<T>(Func<ClusterState, T> read, CancellationToken ct);

    /// <summary>Read of the local state without a barrier (may be stale on a follower).</summary>
    T ReadLocal<T>(Func<ClusterState, T> read);

    /// <summary>Change events from now on, in log order.</summary>
    StoreWatch Watch();

    /// <summary>
    /// Completes when this manager becomes leader; the token is cancelled when it stops being
    /// leader. Drives leader-only loops (orchestrators, scheduler, dispatcher).
    /// </summary>
    Task<CancellationToken> WaitForLeadershipAsync(CancellationToken ct);
}
