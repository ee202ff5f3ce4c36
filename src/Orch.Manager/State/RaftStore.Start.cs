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
            SslOptions = CreateSslOptions(options),
        };
        config.Metadata["api"] = options.ApiAddress;
        return config;
    }

    private static DotNext.Net.Security.SslOptions? CreateSslOptions(RaftStoreOptions options)
    {
        if (options.Certificates is { } certs)
        {
            // Raft has no authentication of its own: only manager certificates of this cluster may talk it.
            var tls = new DotNext.Net.Security.SslOptions();
            var server = Orch.Security.ClusterTls.Server(certs, options.Time, requireClientCertificate: true);
            var client = Orch.Security.ClusterTls.Client(certs, options.Time);
            tls.ServerOptions.ServerCertificateSelectionCallback = server.ServerCertificateSelectionCallback;
            tls.ServerOptions.ClientCertificateRequired = true;
            tls.ServerOptions.EnabledSslProtocols = server.EnabledSslProtocols;
            tls.ServerOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => IsManagerPeer(certs, cert, options.Time);
            tls.ClientOptions.TargetHost = client.TargetHost;
            tls.ClientOptions.LocalCertificateSelectionCallback = client.LocalCertificateSelectionCallback;
            tls.ClientOptions.EnabledSslProtocols = client.EnabledSslProtocols;
            tls.ClientOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => IsManagerPeer(certs, cert, options.Time);
            return tls;
        }
        return null;
    }

    private static bool IsManagerPeer(Orch.Security.NodeCertificates certs, System.Security.Cryptography.X509Certificates.X509Certificate? cert, TimeProvider time) =>
        cert is not null
        && Orch.Security.ClusterTls.Verify(certs.CaCertificate, cert as System.Security.Cryptography.X509Certificates.X509Certificate2 ?? new(cert), time, out var who, out _)
        && who!.Role == Orch.Api.V1.Objects.NodeRole.Manager;

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
