using Grpc.Core;
using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.Control;
using Orch.Manager.Dispatching;
using Orch.Manager.Security;
using Orch.Manager.State;
using Orch.Security;

namespace Orch.Manager.Hosting;

/// <summary>
/// Everything a manager node runs, as one unit orchd starts and stops: the Raft store (mutual
/// TLS), the cluster port (control API, CA, dispatcher) and the leader-only loops. It exposes only
/// what the node needs: the control API for the local socket, and <see cref="Failed"/> — raised
/// when the Raft log is broken (pitfall P1), after which orchd must exit so its supervisor restarts it.
/// </summary>
public sealed partial class ManagerHost : IAsyncDisposable
{
    private readonly RaftStore store;
    private readonly ManagerApiServer server;
    private readonly CertificateAuthority authority;
    private readonly NodeLiveness liveness;
    private readonly CancellationTokenSource stopping = new();
    private readonly System.Threading.Tasks.Task leaderLoops;
    private readonly System.Threading.Tasks.Task replication;
    private readonly ILogger logger;
    private readonly ILoggerFactory loggers;

    private ManagerHost(ManagerHostOptions options, RaftStore store, ManagerApiServer server, CertificateAuthority authority,
        NodeLiveness liveness, Distribution.ImagePinner pinner, LogBroker logs, ILoggerFactory loggers)
    {
        Options = options;
        this.store = store;
        this.server = server;
        this.authority = authority;
        this.liveness = liveness;
        logger = loggers.CreateLogger<ManagerHost>();
        this.loggers = loggers;
        Control = new ControlApi(store, pinner, logs);
        store.Failed += reason => Failed?.Invoke(reason);
        leaderLoops = RunLeaderLoopsAsync(stopping.Token);
        // Every manager (not only the leader) keeps a copy of the images pinned from a manager's store.
        replication = options.Images is { } images
            ? new Distribution.ImageReplicator(store, images, options.ApiAddress, options.Time, loggers.CreateLogger<Distribution.ImageReplicator>()).RunAsync(stopping.Token)
            : System.Threading.Tasks.Task.CompletedTask;
    }

    public ManagerHostOptions Options { get; }

    /// <summary>The control API, for orchd's local socket (same implementation the cluster port serves).</summary>
    public Orch.Api.V1.Control.ControlBase Control { get; }

    public bool IsLeader => store.IsLeader;

    /// <summary>Control addresses of the managers (leader first), as the store knows them.</summary>
    public IReadOnlyList<string> Managers => NodeCaService.ManagerAddresses(store);

    /// <summary>Raised once when this manager's Raft log has failed; the process should exit.</summary>
    public event Action<string>? Failed;

    /// <summary>Starts a manager whose certificates already exist (restart, join, force-new-cluster).</summary>
    public static async Task<ManagerHost> StartAsync(ManagerHostOptions options, NodeCertificates certs, ManagerStart start,
        ILoggerFactory loggers, CancellationToken ct) =>
        await StartAsync(options, certs, start switch
        {
            ManagerStart.Join => RaftBootstrap.Join,
            ManagerStart.ForceNewCluster => RaftBootstrap.ForceNewCluster,
            _ => RaftBootstrap.Restart,
        }, loggers, ct);

    private static async Task<ManagerHost> StartAsync(ManagerHostOptions options, NodeCertificates certs, RaftBootstrap bootstrap,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var store = await RaftStore.StartAsync(new RaftStoreOptions
        {
            DataDir = options.DataDir,
            RaftEndPoint = options.RaftListen,
            AdvertisedRaftEndPoint = options.RaftAdvertise,
            ApiAddress = options.ApiAddress,
            Bootstrap = bootstrap,
            Time = options.Time,
            Certificates = certs,
        }, loggers, ct);
        var authority = new CertificateAuthority(store, options.Time);
        var liveness = new NodeLiveness(store, options.Time, loggers.CreateLogger<NodeLiveness>());
        var images = options.Images ?? Distribution.NoLocalImages.Instance;
        var pinner = new Distribution.ImagePinner(images, certs.Identity.NodeId, loggers.CreateLogger<Distribution.ImagePinner>());
        // One broker per manager: the dispatcher's sessions and both control API instances (cluster port, local socket) share it.
        var logs = new LogBroker(store.Leaders.Channel, loggers.CreateLogger<LogBroker>());
        try
        {
            var server = await ManagerApiServer.StartAsync(options.Listen, store, loggers, ct,
                new ClusterSecurity(certs, options.Time, liveness, authority) { Images = images }, pinner, logs);
            return new ManagerHost(options, store, server, authority, liveness, pinner, logs, loggers);
        }
        catch
        {
            authority.Dispose();
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// After <see cref="StartAsync"/> with <see cref="ManagerStart.Join"/>: asks the manager at
    /// <paramref name="remoteApi"/> (which forwards to the leader) to add this member, then waits
    /// until this member is in the configuration and has caught up with the log.
    /// </summary>
    public async System.Threading.Tasks.Task JoinAsync(string remoteApi, CancellationToken ct)
    {
        var client = new RaftProxy.RaftProxyClient(store.Leaders.Channel(remoteApi));
        await client.AddManagerAsync(new AddManagerRequest
        {
            RaftAddr = Options.RaftAdvertise.ToString(),
            ApiAddr = Options.ApiAddress,
        }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
        await store.Readiness.WaitAsync(TimeSpan.FromSeconds(30), ct);
        await store.ReadAsync(_ => true, ct);
    }

    /// <summary>The current join tokens (fresh read).</summary>
    public async Task<JoinTokens> JoinTokensAsync(CancellationToken ct) =>
        (await store.ReadAsync(s => s.GetCluster(), ct))?.RootCa.JoinTokens
        ?? throw new InvalidOperationException("the store holds no cluster object");

    /// <summary>Waits until the store has a leader that can commit (after start).</summary>
    public async System.Threading.Tasks.Task WaitReadyAsync(CancellationToken ct) => await store.ReadAsync(_ => true, ct);

    private async System.Threading.Tasks.Task RunLeaderLoopsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var leading = await store.WaitForLeadershipAsync(ct);
                LogLeading();
                using var both = CancellationTokenSource.CreateLinkedTokenSource(leading, ct);
                // Each loop reacts to the store on its own and never calls another (STYLE 4).
                var time = Options.Time;
                await System.Threading.Tasks.Task.WhenAll(
                    liveness.RunAsync(both.Token),
                    new RoleReconciler(store, loggers.CreateLogger<RoleReconciler>()).RunAsync(both.Token),
                    new Orchestration.ReplicatedOrchestrator(store, time, loggers.CreateLogger<Orchestration.ReplicatedOrchestrator>()).RunAsync(both.Token),
                    new Orchestration.GlobalOrchestrator(store, time, loggers.CreateLogger<Orchestration.GlobalOrchestrator>()).RunAsync(both.Token),
                    new Orchestration.RestartSupervisor(store, time, loggers.CreateLogger<Orchestration.RestartSupervisor>()).RunAsync(both.Token),
                    new Orchestration.TaskReaper(store, time, loggers.CreateLogger<Orchestration.TaskReaper>()).RunAsync(both.Token),
                    new Orchestration.ConstraintEnforcer(store, time, loggers.CreateLogger<Orchestration.ConstraintEnforcer>()).RunAsync(both.Token),
                    new Orchestration.RollingUpdater(store, time, loggers.CreateLogger<Orchestration.RollingUpdater>()).RunAsync(both.Token),
                    new Scheduling.SchedulerLoop(store, time, loggers.CreateLogger<Scheduling.SchedulerLoop>()).RunAsync(both.Token));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogLoopFailed(e.Message);
                await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await leaderLoops.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await replication.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await server.DisposeAsync();
        await store.DisposeAsync();
        authority.Dispose();
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "this manager is now the leader; leader-only loops started")]
    private partial void LogLeading();

    [LoggerMessage(Level = LogLevel.Error, Message = "leader loops failed: {Reason}")]
    private partial void LogLoopFailed(string reason);
}
