using Microsoft.Extensions.Logging.Abstractions;
using Orch.Api.V1.Objects;
using Orch.Manager.Orchestration;
using Orch.Manager.Scheduling;
using Orch.Manager.State;
using Orch.Manager.Tests.Raft;
using Task = System.Threading.Tasks.Task;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Tests.Orchestration;

/// <summary>
/// One "leader": a LocalStore, a manual clock, every leader-only loop running on them, and
/// simulated agents. Tests change nodes and services as the dispatcher and the control API
/// would (through the store) and wait for the loops to converge.
/// </summary>
internal sealed class Orchestra : IAsyncDisposable
{
    public const long MiB = 1024 * 1024;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private CancellationTokenSource leader = new();
    private List<Task> loops = [];

    public Orchestra(bool autoAgents = true)
    {
        Store = new LocalStore(Clock);
        Agents = new SimulatedAgents(Store, Clock);
        StartLoops();
        if (autoAgents)
        {
            Agents.StartAuto();
        }
    }

    public ManualClock Clock { get; } = new();

    public LocalStore Store { get; }

    public SimulatedAgents Agents { get; }

    /// <summary>Becoming leader: every loop starts (each begins with a full reconcile pass).</summary>
    public void StartLoops()
    {
        leader = new CancellationTokenSource();
        var ct = leader.Token;
        loops =
        [
            new ReplicatedOrchestrator(Store, Clock, NullLogger<ReplicatedOrchestrator>.Instance).RunAsync(ct),
            new GlobalOrchestrator(Store, Clock, NullLogger<GlobalOrchestrator>.Instance).RunAsync(ct),
            new RestartSupervisor(Store, Clock, NullLogger<RestartSupervisor>.Instance).RunAsync(ct),
            new TaskReaper(Store, Clock, NullLogger<TaskReaper>.Instance).RunAsync(ct),
            new ConstraintEnforcer(Store, Clock, NullLogger<ConstraintEnforcer>.Instance).RunAsync(ct),
            new RollingUpdater(Store, Clock, NullLogger<RollingUpdater>.Instance).RunAsync(ct),
            new SchedulerLoop(Store, Clock, NullLogger<SchedulerLoop>.Instance).RunAsync(ct),
        ];
    }

    /// <summary>Losing leadership: every loop stops.</summary>
    public async Task StopLoopsAsync()
    {
        await leader.CancelAsync();
        await Task.WhenAll(loops);
        leader.Dispose();
    }

    public async Task<CommandResult> ApplyAsync(params Op[] ops)
    {
        var command = new Command();
        command.Ops.AddRange(ops);
        var result = await Store.ProposeAsync(command, CancellationToken.None);
        Assert.True(result.Error == CommandErrorCode.None, result.Message);
        return result;
    }

    public Task AddNodeAsync(string id, long memory = 4096 * MiB, NodeRole role = NodeRole.Worker, params (string, string)[] labels)
    {
        var node = Scheduling.SchedulingFixtures.Node(id, memory: memory, role: role, labels: labels);
        return ApplyAsync(new Op { Create = new CreateOp { Object = StoreObjects.Wrap(node) } });
    }

    /// <summary>Changes a node as the dispatcher (state) or `node update` (spec) would.</summary>
    public Task ChangeNodeAsync(string id, Action<Node> change)
    {
        var node = Store.State.GetNode(id)!;
        change(node);
        return ApplyAsync(new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(node) } });
    }

    public static ServiceSpec Spec(string name, string image = "app:v1", ulong? replicas = 3)
    {
        var spec = new ServiceSpec { Name = name, TaskTemplate = new TaskSpec { Container = new ContainerSpec { Image = image } } };
        if (replicas is { } r)
        {
            spec.Replicas = r;
        }
        return spec;
    }

    /// <summary>As the control API's CreateService: validated, defaults filled, version 1.</summary>
    public async Task<Service> CreateServiceAsync(ServiceSpec spec)
    {
        Assert.Null(ServiceSpecValidator.Validate(spec));
        var service = new Service { Id = "svc-" + spec.Name, Spec = ServiceDefaults.Fill(spec), SpecVersion = 1 };
        return (await ApplyAsync(new Op { Create = new CreateOp { Object = StoreObjects.Wrap(service) } })).Objects[0].Service;
    }

    /// <summary>As the control API's UpdateService on the current version.</summary>
    public Task UpdateServiceAsync(string name, Action<ServiceSpec> change, bool force = false)
    {
        var service = Service(name);
        var spec = service.Spec.Clone();
        change(spec);
        Assert.Null(ServiceSpecValidator.Validate(spec));
        var updated = ServiceUpdates.Update(service, ServiceDefaults.Fill(spec), force);
        return ApplyAsync(new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(updated) } });
    }

    public Task RollbackServiceAsync(string name) =>
        ApplyAsync(new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(ServiceUpdates.Rollback(Service(name))) } });

    public Service Service(string name) => Store.State.ListServices().Single(s => s.Spec.Name == name);

    public List<TaskObject> Tasks(string name) => Store.State.ListTasks().Where(t => t.ServiceName == name).ToList();

    /// <summary>Tasks desired to run.</summary>
    public List<TaskObject> Runnable(string name) => Tasks(name).Where(t => t.DesiredState <= TaskState.Running).ToList();

    /// <summary>Desired to run and running: what `service ls` counts.</summary>
    public List<TaskObject> Running(string name) => Runnable(name).Where(t => t.Status.State == TaskState.Running).ToList();

    public string Describe(string name) => string.Join("; ", Tasks(name).OrderBy(t => t.Slot).ThenBy(t => t.NodeId).Select(t =>
        $"slot {t.Slot} {t.Spec.Container.Image} on '{t.NodeId}' desired {t.DesiredState} is {t.Status.State}{(t.Status.Error.Length > 0 ? $" ({t.Status.Error})" : "")}"))
        + $" | update {Service(name).UpdateStatus?.State} {Service(name).UpdateStatus?.Message}";

    public Task WaitAsync(string service, Func<bool> condition, string what) =>
        Eventually.TrueAsync(condition, Deadline, what, () => Describe(service));

    /// <summary>Waits until the loops stop writing (no applied index change for a while): "nothing more happens".</summary>
    public async Task SettleAsync()
    {
        var last = Store.State.AppliedIndex;
        var quietSince = DateTime.UtcNow;
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow - quietSince < TimeSpan.FromMilliseconds(300))
        {
            Assert.True(DateTime.UtcNow < deadline, "the loops never settled: they keep writing to the store");
            await Task.Delay(25);
            var now = Store.State.AppliedIndex;
            if (now != last)
            {
                (last, quietSince) = (now, DateTime.UtcNow);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Agents.StopAutoAsync();
        if (!leader.IsCancellationRequested)
        {
            await StopLoopsAsync();
        }
    }
}
