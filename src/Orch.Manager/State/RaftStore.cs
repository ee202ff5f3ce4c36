using System.Diagnostics;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using Orch.Manager.Supervision;

namespace Orch.Manager.State;

/// <summary>
/// <see cref="IReplicatedStore"/> on DotNext's TCP Raft: a <see cref="ManagerStateMachine"/>
/// over a <see cref="WriteAheadLog"/>, membership in members.bin, writes forwarded to the leader's
/// gRPC API. Owns the Raft member, the log and the watchdogs; dispose stops them all.
/// </summary>
internal sealed partial class RaftStore : IReplicatedStore, IAsyncDisposable
{
    private readonly RaftStoreOptions options;
    private readonly RaftCluster raft;
    private readonly WriteAheadLog wal;
    private readonly ManagerStateMachine machine;
    private readonly LeaderClient leaders;
    private readonly ILogger<RaftStore> logger;
    private readonly SemaphoreSlim membership = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task logWatchdog;
    private readonly Task replicationWatchdog;
    private volatile string? fatal;

    private RaftStore(RaftStoreOptions options, RaftCluster raft, WriteAheadLog wal, ManagerStateMachine machine, ILoggerFactory loggers)
    {
        this.options = options;
        this.raft = raft;
        this.wal = wal;
        this.machine = machine;
        logger = loggers.CreateLogger<RaftStore>();
        leaders = new LeaderClient(options.QuorumTimeout, options.Certificates, options.Time);
        raft.LeaderChanged += (_, leader) => LogLeaderChanged(leader?.EndPoint.ToString() ?? "none");
        logWatchdog = new LogWatchdog(ProbeLogAsync, OnLogFailed, options.Time, TimeSpan.FromSeconds(2),
            loggers.CreateLogger<LogWatchdog>()).RunAsync(stopping.Token);
        replicationWatchdog = new ReplicationWatchdog(this, options.Time, loggers.CreateLogger<ReplicationWatchdog>())
            .RunAsync(stopping.Token);
    }

    public ClusterState State => machine.State;

    public RaftStoreOptions Options => options;

    /// <summary>The failure that stopped this member's log (P1), or null while healthy.</summary>
    public string? Fatal => fatal;

    /// <summary>Raised once when the log has failed; the host should exit so a supervisor restarts it.</summary>
    public event Action<string>? Failed;

    public bool IsLeader
    {
        get
        {
            try
            {
                return fatal is null && !raft.LeadershipToken.IsCancellationRequested;
            }
            catch (UnreachableException)
            {
                return false; // the member is a zombie (P1); the log watchdog reports it
            }
        }
    }

    public ManagerMember? Leader => raft.Leader is { } l ? Describe(l) : null;

    /// <summary>Raft endpoints of the members this one can reach now (itself included).</summary>
    public IReadOnlyList<string> ReachableMembers =>
        raft.Members.Where(m => !m.IsRemote || m.Status == ClusterMemberStatus.Available).Select(m => m.EndPoint.ToString()!).ToList();

    /// <summary>All Raft members this one knows, itself included.</summary>
    public IReadOnlyList<ManagerMember> Members => raft.Members.Select(Describe).ToList();

    /// <summary>Completes once this member belongs to a configuration (a joining member waits in standby until added).</summary>
    public Task Readiness => raft.Readiness;

    public ulong AppliedIndex => (ulong)Math.Max(0, wal.LastAppliedIndex);

    public ulong CommitIndex => (ulong)Math.Max(0, wal.LastCommittedEntryIndex);

    public ulong Term => (ulong)((IPersistentState)wal).Term;

    public T ReadLocal<T>(Func<ClusterState, T> read) => read(machine.State);

    public StoreWatch Watch() => machine.State.Watch();

    public Task<CancellationToken> WaitForLeadershipAsync(CancellationToken ct) => raft.WaitForLeadershipAsync(ct);

    /// <summary>Leader only: adds a manager (its advertised Raft endpoint) to the membership. One change at a time.</summary>
    public async Task AddMemberAsync(System.Net.EndPoint raftEndPoint, CancellationToken ct)
    {
        await membership.WaitAsync(ct);
        try
        {
            if (!await raft.AddMemberAsync(raftEndPoint, ct))
            {
                throw new StoreUnavailableException($"manager {raftEndPoint} could not be added (it did not catch up, or is already a member)");
            }
            LogMemberAdded(raftEndPoint.ToString()!);
        }
        finally
        {
            membership.Release();
        }
    }

    /// <summary>Leader only: removes a manager from the membership. The removed member is not told (notes §4).</summary>
    public async Task RemoveMemberAsync(System.Net.EndPoint raftEndPoint, CancellationToken ct)
    {
        await membership.WaitAsync(ct);
        try
        {
            if (!await raft.RemoveMemberAsync(raftEndPoint, ct))
            {
                throw new StoreUnavailableException($"manager {raftEndPoint} could not be removed");
            }
            LogMemberRemoved(raftEndPoint.ToString()!);
        }
        finally
        {
            membership.Release();
        }
    }

    /// <summary>
    /// The other members and their API addresses, asking each for its metadata if not yet known
    /// (members unreachable right now are left out).
    /// </summary>
    public async Task<IReadOnlyList<ManagerMember>> RemoteMembersAsync(CancellationToken ct)
    {
        var result = new List<ManagerMember>();
        foreach (var m in raft.Members.Where(m => m.IsRemote))
        {
            try
            {
                var meta = await m.GetMetadataAsync(false, ct);
                result.Add(new ManagerMember(m.EndPoint.ToString()!, meta.TryGetValue("api", out var api) ? api : null, IsLocal: false));
            }
            catch (MemberUnavailableException)
            {
            }
        }
        return result;
    }

    /// <summary>Asks this member to step down as leader (P2 remedy; demote of the leader).</summary>
    public async Task<bool> ResignAsync(CancellationToken ct) => await ((ICluster)raft).ResignAsync(ct);

    internal RaftCluster Raft => raft;

    internal LeaderClient Leaders => leaders;

    private ManagerMember Describe(RaftClusterMember m)
    {
        var api = m.IsRemote
            ? (m.TryGetMetadata() is { } meta && meta.TryGetValue("api", out var a) ? a : null)
            : options.ApiAddress;
        return new ManagerMember(m.EndPoint.ToString()!, api, !m.IsRemote);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(logWatchdog, replicationWatchdog).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await raft.StopAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogStopFailed(e.Message);
        }
        raft.Dispose();
        await wal.DisposeAsync();
        await machine.DisposeAsync();
        leaders.Dispose();
        membership.Dispose();
        stopping.Dispose();
    }
}
