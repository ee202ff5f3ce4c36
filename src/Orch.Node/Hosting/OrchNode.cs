using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orch.Engine;
using Orch.Engine.Images;
using Orch.Engine.Runtime.Cgroups;
using Orch.Engine.Network;
using Orch.Engine.Volumes;
using Orch.Node.Api;

namespace Orch.Node.Hosting;

/// <summary>
/// One node: the engine API on a Unix socket (and, on cluster nodes, the manager/agent parts).
/// A class rather than top-level code so tests can start several nodes in one process.
/// </summary>
public sealed partial class OrchNode(NodeOptions options, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly ILogger logger = loggerFactory.CreateLogger<OrchNode>();
    private WebApplication? app;
    private ICgroupDriver? cgroups;
    private readonly Swarm.SwarmController swarm = new(options, loggerFactory);
    // The agent's view of its tasks, for the balancer's kernel fast path (DNAT straight to local containers).
    private readonly Orch.Agent.Worker.LocalTasks localTasks = new();
    private Orch.LoadBalancer.LoadBalancer? balancer;
    private MetricsServer? metrics;
    private IdleTrim? idleTrim;

    /// <summary>Raised when the node must exit for its supervisor to restart it (a manager's Raft log failed).</summary>
    public event Action<string>? Fatal;

    public NodeOptions Options => options;

    public async Task StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.DataRoot);
        Directory.CreateDirectory(options.ExecRoot);
        var socketDir = Path.GetDirectoryName(options.SocketPath)!;
        Directory.CreateDirectory(socketDir);
        // A socket file left by a killed daemon would make bind(2) fail with EADDRINUSE.
        if (File.Exists(options.SocketPath))
        {
            File.Delete(options.SocketPath);
        }

        // Detected once, at start-up: a machine without usable cgroups fails here, not at the first `orch run`.
        cgroups = CgroupDriver.Detect(options.CgroupParent);
        LogCgroups(cgroups.Version, cgroups.ToString() ?? "");
        var balancer = this.balancer = new Orch.LoadBalancer.LoadBalancer(
            new Orch.LoadBalancer.LoadBalancerOptions { Kernel = BalancerKernel.Options(options.Bridge, swarm, localTasks, options) },
            TimeProvider.System, loggerFactory.CreateLogger<Orch.LoadBalancer.LoadBalancer>());

        // No appsettings reload: its watcher is recursive over the content root (the working directory), so a daemon
        // started in / or above its data root took an inotify event for every write of every unpacked layer.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(options);
        builder.Services.TryAddSingleton(EngineOptionsFrom(options));
        builder.Services.AddSingleton<ImageStore>();
        builder.Services.AddSingleton<IImageStore>(sp => sp.GetRequiredService<ImageStore>());
        // The runtime replaces this with its container list (rmi refuses an image a container uses).
        builder.Services.TryAddSingleton<IImageUsage, NoImageUsage>();
        // system df / prune see the builder's step cache through this seam.
        builder.Services.AddSingleton<IBuildCache>(sp => new Orch.Engine.Build.BuilderCache(sp.GetRequiredService<Orch.Engine.Build.ImageBuilder>()));
        builder.Services.AddSingleton(cgroups);
        builder.Services.AddSingleton<BridgeNetworkDriver>();
        builder.Services.AddSingleton<INetworkDriver>(sp => sp.GetRequiredService<BridgeNetworkDriver>());
        builder.Services.AddSingleton<IVolumeStore>(new LocalVolumeStore(Path.Combine(options.DataRoot, "volumes")));
        // rm/prune of a volume ask the runtime whether a container (in any state) refers to it.
        builder.Services.AddSingleton<VolumeInUse>(sp => sp.GetRequiredService<Orch.Engine.Runtime.ContainerRuntime>().VolumeInUse);
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 16 << 20;
            o.Interceptors.Add<LocalControlGate>();
        });
        builder.Services.AddSingleton(swarm);
        builder.Services.AddSingleton(balancer);
        // The local socket serves this node's manager's control API, resolved per call (a node
        // becomes a manager at run time); LocalControlGate refuses calls while there is none.
        builder.Services.AddTransient(_ => swarm.Control ?? new NoManagerControl());
        builder.Services.AddContainerRuntime();
        // `orch build`: its own runtime for RUN containers over the same image store, cgroups and bridge.
        builder.Services.AddSingleton(sp => new Orch.Engine.Build.ImageBuilder(sp.GetRequiredService<EngineOptions>(),
            sp.GetRequiredService<ImageStore>(), loggerFactory, sp.GetRequiredService<ICgroupDriver>(), sp.GetRequiredService<INetworkDriver>()));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.SocketPath, l => l.Protocols = HttpProtocols.Http2);
            k.AddServerHeader = false;
        });
        app = builder.Build();
        app.MapGrpcService<EngineApi>();
        app.MapGrpcService<SwarmApi>();
        app.MapGrpcService<LoadBalancerApi>();
        app.MapGrpcService<Orch.Api.V1.Control.ControlBase>();
        // Open the image store now: it sweeps what a killed daemon left half-written.
        _ = app.Services.GetRequiredService<ImageStore>();
        // Bridge, NAT and the DNAT rules of containers that outlived a previous daemon, before any request.
        await app.Services.GetRequiredService<INetworkDriver>().InitializeAsync(ct);
        // Containers that outlived a previous daemon are watched again (or restarted) before any request.
        await app.Services.GetRequiredService<Orch.Engine.Runtime.ContainerRuntime>().RecoverAsync(ct);
        // The builder sweeps what a build killed with the daemon left (containers, mounts).
        _ = app.Services.GetRequiredService<Orch.Engine.Build.ImageBuilder>();
        await app.StartAsync(ct);
        // Swarm membership after the engine: an agent may be handed tasks as soon as it registers.
        swarm.Fatal += reason => Fatal?.Invoke(reason);
        // Kernel rules a killed orchd of this bridge left go before the first endpoint table.
        await balancer.StartAsync(ct);
        swarm.AttachLoadBalancer(balancer, localTasks);
        swarm.AttachEngine(app.Services.GetRequiredService<Orch.Engine.Runtime.ContainerRuntime>(), app.Services.GetRequiredService<ImageStore>());
        await swarm.StartAsync(ct);
        if (options.MetricsAddr is { } metricsAddr)
        {
            metrics = new MetricsServer(metricsAddr, async t => Orch.LoadBalancer.PrometheusText.Format(await balancer.StatsAsync("", t)) + RuntimeMetrics.Format(), loggerFactory.CreateLogger<MetricsServer>());
        }
        idleTrim = new IdleTrim(loggerFactory.CreateLogger<IdleTrim>());
        // Root only, as dockerd's socket: the engine API is root-equivalent.
        File.SetUnixFileMode(options.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        LogStarted(options.SocketPath, options.DataRoot, Environment.ProcessId);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (idleTrim is not null)
        {
            await idleTrim.DisposeAsync();
        }
        if (metrics is not null)
        {
            await metrics.DisposeAsync();
        }
        await swarm.DisposeAsync();
        if (balancer is not null)
        {
            await balancer.DisposeAsync();
        }
        if (app is not null)
        {
            await app.StopAsync(ct);
            await CleanUpNetworkAsync(app.Services.GetRequiredService<BridgeNetworkDriver>(), ct);
        }
        // Only when no container group is left (containers may keep running across a daemon restart).
        if (cgroups is not null && cgroups.RemoveParent())
        {
            LogCgroupParentRemoved(options.CgroupParent);
        }
        LogStopped();
    }

    /// <summary>
    /// The bridge and its rules normally outlive orchd because containers do. With --cleanup-on-exit (test
    /// daemons) they are removed once no container holds a lease, so a finished test leaves nothing behind.
    /// </summary>
    private async Task CleanUpNetworkAsync(BridgeNetworkDriver network, CancellationToken ct)
    {
        if (!options.CleanupOnExit)
        {
            return;
        }
        if (!await network.IsIdleAsync())
        {
            LogNetworkKept(network.Bridge);
            return;
        }
        await network.TeardownAsync(ct);
    }

    private static EngineOptions EngineOptionsFrom(NodeOptions o) => new()
    {
        DataRoot = o.DataRoot,
        ExecRoot = o.ExecRoot,
        Bridge = o.Bridge,
        Subnet = o.Subnet,
        CgroupParent = o.CgroupParent,
        InsecureRegistries = [.. o.InsecureRegistries],
        LauncherDir = o.LauncherDir ?? RuntimeServices.FindLauncherDir(),
    };

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
            app = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "orchd listening on {Socket}, data root {DataRoot}, pid {Pid}")]
    private partial void LogStarted(string socket, string dataRoot, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "cgroups v{Version}: {Layout}")]
    private partial void LogCgroups(string version, string layout);

    [LoggerMessage(Level = LogLevel.Debug, Message = "removed empty cgroup parent {Parent}")]
    private partial void LogCgroupParentRemoved(string parent);
    [LoggerMessage(Level = LogLevel.Information, Message = "bridge {Bridge} kept at exit: containers still hold addresses on it")]
    private partial void LogNetworkKept(string bridge);

    [LoggerMessage(Level = LogLevel.Information, Message = "orchd stopped")]
    private partial void LogStopped();
}
