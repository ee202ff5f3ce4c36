using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;
using Orch.Manager.Supervision;

namespace Orch.Manager.State;

internal sealed partial class RaftStore
{
    /// <summary>
    /// Starts this manager's Raft member. Order matters (notes §5): restore the newest snapshot,
    /// then create the log (it reads the snapshot index), then start Raft, which replays the
    /// committed log into the state machine.
    /// </summary>
    /// <exception cref="InvalidOperationException">The data dir does not suit the bootstrap mode; the message says why.</exception>
    /// <exception cref="InvalidDataException">The newest snapshot is truncated or corrupt.</exception>
    public static async Task<RaftStore> StartAsync(RaftStoreOptions options, ILoggerFactory loggers, CancellationToken ct)
    {
        CheckDataDir(options);
        if (options.Bootstrap == RaftBootstrap.ForceNewCluster)
        {
            await ForceNewCluster.PrepareAsync(options, loggers, ct);
        }
        Directory.CreateDirectory(options.SnapshotsDir);
        Directory.CreateDirectory(options.WalDir);

        var raftLoggers = new RaftLogFilter(loggers, options.Time);
        var machine = new ManagerStateMachine(new DirectoryInfo(options.SnapshotsDir), new ClusterState(),
            options.SnapshotEvery, loggers.CreateLogger<ManagerStateMachine>());
        WriteAheadLog? wal = null;
        RaftCluster? raft = null;
        try
        {
            await machine.RestoreAsync(ct);
            wal = new WriteAheadLog(new WriteAheadLog.Options { Location = options.WalDir, ChunkSize = options.WalChunkSize }, machine);
            raft = new RaftCluster(CreateConfiguration(options, raftLoggers)) { AuditTrail = wal };
            await raft.StartAsync(ct);
            var store = new RaftStore(options, raft, wal, machine, loggers);
            store.LogStarted(options.PublicEndPoint.ToString(), options.Bootstrap.ToString(), store.AppliedIndex);
            return store;
        }
        catch
        {
            raft?.Dispose();
            if (wal is not null)
            {
                await wal.DisposeAsync();
            }
            await machine.DisposeAsync();
            throw;
        }
    }

    internal static RaftCluster.TcpConfiguration CreateConfiguration(RaftStoreOptions options, ILoggerFactory loggers)
    {
        var config = new RaftCluster.TcpConfiguration(options.RaftEndPoint)
        {
            PublicEndPoint = options.PublicEndPoint,
            LowerElectionTimeout = options.LowerElectionTimeoutMs,
            UpperElectionTimeout = options.UpperElectionTimeoutMs,
            RequestTimeout = options.RequestTimeout,
            ConnectTimeout = options.ConnectTimeout,
            // ColdStart defaults to true: a member started that way with an empty membership forms
            // its own cluster. Only init (and the deliberate force-new-cluster) may do that.
            ColdStart = options.Bootstrap is RaftBootstrap.Init or RaftBootstrap.ForceNewCluster,
            ConfigurationStorage = new EndPointConfigurationStorage(options.MembersFile),
            LoggerFactory = loggers,
        };
        config.Metadata["api"] = options.ApiAddress;
        return config;
    }

    private static void CheckDataDir(RaftStoreOptions options)
    {
        var hasState = HasRaftState(options);
        switch (options.Bootstrap)
        {
            case RaftBootstrap.Init or RaftBootstrap.Join when hasState:
                throw new InvalidOperationException(
                    $"{options.DataDir} already holds manager state; this node is already part of a cluster (restart it, or use --force-new-cluster)");
            case RaftBootstrap.Restart or RaftBootstrap.ForceNewCluster when !hasState:
                throw new InvalidOperationException($"{options.DataDir} holds no manager state to start from");
        }
    }

    internal static bool HasRaftState(RaftStoreOptions options) =>
        (File.Exists(options.MembersFile) && new FileInfo(options.MembersFile).Length > 0)
        || (Directory.Exists(options.WalDir) && Directory.EnumerateFileSystemEntries(options.WalDir).Any())
        || (Directory.Exists(options.SnapshotsDir) && Directory.EnumerateFiles(options.SnapshotsDir).Any());
}
