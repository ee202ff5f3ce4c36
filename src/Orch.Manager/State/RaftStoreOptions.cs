using System.Net;

namespace Orch.Manager.State;

/// <summary>
/// Settings of one manager's Raft member. The defaults are the measured recommendation of
/// notes/dotnext-raft.md §3/§11 for managers on shared hosts; change them only with a benchmark.
/// </summary>
internal sealed class RaftStoreOptions
{
    /// <summary>Directory holding snapshots/, wal/ and members.bin.</summary>
    public required string DataDir { get; init; }

    /// <summary>
    /// Where the Raft member listens, and (unless <see cref="AdvertisedRaftEndPoint"/> is set)
    /// its identity. Keep the port below the ephemeral range (32768–60999): an outgoing
    /// connection can otherwise take it first.
    /// </summary>
    public required IPEndPoint RaftEndPoint { get; init; }

    /// <summary>The address other managers use; the member id derives from it.</summary>
    public IPEndPoint? AdvertisedRaftEndPoint { get; init; }

    /// <summary>This manager's gRPC address ("host:port"), published as Raft metadata "api".</summary>
    public required string ApiAddress { get; init; }

    public RaftBootstrap Bootstrap { get; init; } = RaftBootstrap.Restart;

    public int LowerElectionTimeoutMs { get; init; } = 1000;
    public int UpperElectionTimeoutMs { get; init; } = 2000;

    /// <summary>Must exceed the worst InstallSnapshot time, or replication livelocks (P2).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMilliseconds(900);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a write or a fresh read may wait for a leader and a quorum before failing with
    /// "no quorum". Covers one failover (≈ 2 s with the default election timeouts).
    /// </summary>
    public TimeSpan QuorumTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Commands between snapshots. Rare snapshots make the P1 race rarer.</summary>
    public int SnapshotEvery { get; init; } = 5_000;

    /// <summary>WAL chunk size: one file and one mapping per chunk; must be a power of two.</summary>
    public int WalChunkSize { get; init; } = 1 << 20;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// This manager's node certificate and the cluster CA: with it, Raft and manager-to-manager
    /// gRPC use mutual TLS and accept only manager certificates of the cluster. Null (tests of
    /// the store alone) means plain TCP.
    /// </summary>
    public Orch.Security.NodeCertificates? Certificates { get; init; }

    public IPEndPoint PublicEndPoint => AdvertisedRaftEndPoint ?? RaftEndPoint;

    public string SnapshotsDir => Path.Combine(DataDir, "snapshots");
    public string WalDir => Path.Combine(DataDir, "wal");
    public string MembersFile => Path.Combine(DataDir, "members.bin");
}
