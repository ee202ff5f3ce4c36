using Grpc.Core;
using Microsoft.Extensions.Logging;
using Orch.Agent.Security;
using Orch.Agent.Session;
using Orch.Api.V1;
using NodeRole = Orch.Api.V1.Objects.NodeRole;
using Orch.Manager.Hosting;
using Orch.Node.Hosting;
using Orch.Security;

namespace Orch.Node.Swarm;

/// <summary>
/// This node's part in a swarm: carries out init / join / leave, and on start-up brings back what
/// the node was (manager and agent, or agent only) from data-root/swarm. Composes the manager host
/// and the agent; holds no cluster logic of its own.
/// </summary>
internal sealed partial class SwarmController(NodeOptions options, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ILogger logger = loggers.CreateLogger<SwarmController>();
    private readonly SemaphoreSlim gate = new(1, 1);
    private SwarmState? state;
    private NodeCertificates? certs;
    private ManagerHost? manager;
    private ManagerChannels? channels;
    private CancellationTokenSource? agentStop;
    private Task? agentRun;
    private Orch.Agent.Worker.Worker? worker;
    private CertificateRenewer? renewer;
    private (Orch.Engine.Runtime.ContainerRuntime Runtime, Orch.Engine.Images.ImageStore Images)? engine;

    private Orch.LoadBalancer.LoadBalancer? balancer;
    private Orch.Agent.Worker.LocalTasks? localTasks;

    /// <summary>
    /// This node's load balancer, fed with the endpoint tables of the agent's session, and the agent's view of
    /// its tasks that the balancer's kernel fast path follows (set by the node before <see cref="StartAsync"/>).
    /// </summary>
    public void AttachLoadBalancer(Orch.LoadBalancer.LoadBalancer lb, Orch.Agent.Worker.LocalTasks local) => (balancer, localTasks) = (lb, local);

    /// <summary>The engine the agent runs tasks with (set by the node before <see cref="StartAsync"/>).</summary>
    public void AttachEngine(Orch.Engine.Runtime.ContainerRuntime runtime, Orch.Engine.Images.ImageStore images) => engine = (runtime, images);

    private string SwarmDir => Path.Combine(options.DataRoot, "swarm");
    private string CertificatesDir => Path.Combine(SwarmDir, "certificates");
    private string RaftDir => Path.Combine(SwarmDir, "raft");
    private string StateFile => Path.Combine(SwarmDir, "state.json");

    /// <summary>Raised when the node can no longer serve the swarm (the manager's Raft log failed): orchd exits for its supervisor to restart it.</summary>
    public event Action<string>? Fatal;

    /// <summary>The control API of this node's manager, or null on workers and outside a swarm.</summary>
    public Orch.Api.V1.Control.ControlBase? Control => manager?.Control;

    public SwarmState? State => state;

    /// <summary>Restores the node's swarm role after a restart (nothing to do when it never joined).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var saved = SwarmState.Load(StateFile);
        if (saved is null)
        {
            return;
        }
        certs = NodeCertificates.Load(CertificatesDir)
            ?? throw new InvalidDataException($"{StateFile} says this node is in a swarm but {CertificatesDir} holds no certificate");
        state = saved;
        if (saved.Role == NodeRole.Manager)
        {
            manager = await StartManagerAsync(saved, ManagerStart.Restart, ct);
        }
        StartAgent();
        LogRestored(saved.NodeId, saved.Role.ToString());
    }

    public SwarmInfo Info()
    {
        var s = state;
        if (s is null)
        {
            return new SwarmInfo { State = LocalNodeState.Inactive };
        }
        var info = new SwarmInfo
        {
            State = LocalNodeState.Active,
            NodeId = s.NodeId,
            Role = certs?.Identity.Role ?? s.Role,
            ClusterId = s.ClusterId,
            NodeAddr = manager?.Options.ApiAddress ?? "",
        };
        info.Managers.AddRange(manager?.Managers is { Count: > 0 } m ? m : s.Managers);
        return info;
    }

    private async Task<ManagerHost> StartManagerAsync(SwarmState s, ManagerStart start, CancellationToken ct)
    {
        var listen = SwarmAddresses.Listen(s.ListenAddr);
        var host = await Detached(() => ManagerHost.StartAsync(new ManagerHostOptions
        {
            DataDir = RaftDir,
            Listen = listen,
            Advertise = SwarmAddresses.Advertise(s.AdvertiseAddr, listen),
            Images = LocalImages(),
        }, certs!, start, loggers, ct));
        host.Failed += reason => Fatal?.Invoke(reason);
        return host;
    }

    /// <summary>The engine's images for the manager (pinning, serving, copies), or null without an engine.</summary>
    private NodeImages? LocalImages() => engine is { } e ? new NodeImages(e.Images, () => channels) : null;

    private void StartAgent()
    {
        channels = new ManagerChannels(certs!, TimeProvider.System);
        agentStop = new CancellationTokenSource();
        var session = new AgentSession(channels, KnownManagers, OnManagers, Register, TimeProvider.System, loggers.CreateLogger<AgentSession>());
        if (engine is { } e)
        {
            var drains = new Orch.Agent.Worker.DrainSignals(TimeProvider.System);
            session.EndpointsReceived += drains.Observe;
            worker = Orch.Agent.Worker.Worker.ForEngine(e.Runtime, e.Images, () => channels, KnownManagers, session.Report, loggers, drains, localTasks);
            session.AssignmentsReceived += worker.Apply;
            session.Connected += worker.ReportAll;
            var logs = Orch.Agent.Worker.TaskLogPublisher.ForEngine(e.Runtime, session.SendLog, loggers);
            session.LogSubscriptionReceived += logs.Handle;
        }
        if (balancer is { } lb)
        {
            session.ApplyEndpoints = lb.ApplyAsync;
        }
        renewer = new CertificateRenewer(certs!, channels, KnownManagers, TimeProvider.System, loggers.CreateLogger<CertificateRenewer>());
        session.RoleWanted += role => _ = ChangeRoleAsync(role, agentStop.Token);
        var stop = agentStop.Token;
        agentRun = Detached(() => Task.WhenAll(session.RunAsync(stop), renewer.RunAsync(stop)));
    }

    /// <summary>
    /// Starts what outlives the call that starts it (the manager's loops, the agent) without that call's execution
    /// context: otherwise every line they log for the rest of the process carries the logging scope of the gRPC
    /// request that happened to start them (RequestPath /orch.v1.Swarm/Init or Join, its RequestId).
    /// </summary>
    private static Task<T> Detached<T>(Func<Task<T>> start)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(start);
        }
    }

    private static Task Detached(Func<Task> start)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(start);
        }
    }

    private IReadOnlyList<string> KnownManagers()
    {
        var own = manager?.Options.ApiAddress;
        var known = state?.Managers ?? [];
        return own is null ? known : [own, .. known.Where(m => m != own)];
    }

    private void OnManagers(IReadOnlyList<string> managers)
    {
        var s = state;
        if (s is null || s.Managers.SequenceEqual(managers))
        {
            return;
        }
        state = s with { Managers = managers };
        state.Save(StateFile);
    }

    private SessionRegister Register() => new()
    {
        Description = NodeDescriber.Describe(options),
        AdvertiseAddr = state?.AdvertiseAddr ?? "",
    };

    private async Task StopAgentAsync()
    {
        if (agentStop is not null)
        {
            await agentStop.CancelAsync();
            await agentRun!.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            agentStop.Dispose();
            agentStop = null;
            agentRun = null;
        }
        if (worker is not null)
        {
            await worker.DisposeAsync();
            worker = null;
        }
        channels?.Dispose();
        channels = null;
    }

    private static RpcException Precondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public async ValueTask DisposeAsync()
    {
        await StopAgentAsync();
        if (manager is not null)
        {
            await manager.DisposeAsync();
            manager = null;
        }
        certs?.Dispose();
        gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "swarm membership restored: node {NodeId} as {Role}")]
    private partial void LogRestored(string nodeId, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "swarm initialised: cluster {ClusterId}, node {NodeId}, listening on {Listen}")]
    private partial void LogInitialised(string clusterId, string nodeId, string listen);

    [LoggerMessage(Level = LogLevel.Information, Message = "joined the swarm through {Remote} as node {NodeId} ({Role})")]
    private partial void LogJoined(string remote, string nodeId, string role);

    [LoggerMessage(Level = LogLevel.Information, Message = "left the swarm (node {NodeId})")]
    private partial void LogLeft(string nodeId);
}
