using Microsoft.Extensions.Logging;
using Orch.Agent.Execution;
using Orch.Api.V1;
using Orch.Api.V1.Objects;

namespace Orch.Agent.Worker;

/// <summary>
/// Turns the dispatcher's assignment sets into running tasks on this node: a runner per task that
/// should run, a shutdown for a task whose desired state moved past RUNNING, and removal of the
/// containers of tasks the manager no longer assigns here (including those a node finds after it
/// was Down and its tasks were rescheduled elsewhere). Keeps running its tasks while no manager is
/// reachable; reports every status again when a session opens.
/// </summary>
public sealed partial class Worker : IAsyncDisposable
{
    private readonly IExecutor executor;
    private readonly Action<TaskStatusUpdate> report;
    private readonly TimeProvider time;
    private readonly ILogger<Worker> logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, (TaskRunner Runner, System.Threading.Tasks.Task Run)> runners = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();

    private readonly LocalTasks? local;
    private readonly DrainSignals drains;

    internal Worker(IExecutor executor, Action<TaskStatusUpdate> report, TimeProvider time, ILogger<Worker> logger, DrainSignals drains,
        LocalTasks? local = null)
    {
        this.executor = executor;
        this.local = local;
        this.drains = drains;
        this.report = local is null ? report : u =>
        {
            Track(u);
            report(u);
        };
        this.time = time;
        this.logger = logger;
    }

    /// <summary>Keeps <see cref="local"/> in step with what the runners report (RUNNING and not unhealthy: serving; ended: withdrawn).</summary>
    private void Track(TaskStatusUpdate u)
    {
        if (u.Status is not { } s)
        {
            return;
        }
        if (s.State == TaskState.Running && s.Health != TaskHealth.Unhealthy)
        {
            local!.Serving(u.TaskId, u.Addresses.Select(a => System.Net.IPAddress.TryParse(a, out var ip) ? ip : null).FirstOrDefault(ip => ip is not null));
        }
        else if (s.State > TaskState.Running || s.Health == TaskHealth.Unhealthy)
        {
            local!.Withdraw(u.TaskId);
        }
    }

    /// <summary>A worker that runs tasks as containers of this node's engine.</summary>
    /// <param name="channels">The node's channels to managers (null while it has none), for images the managers carry.</param>
    /// <param name="managers">The managers' cluster addresses, nearest first.</param>
    internal static Worker ForEngine(Orch.Engine.Runtime.ContainerRuntime runtime, Orch.Engine.Images.ImageStore images,
        Func<Session.ManagerChannels?> channels, Func<IReadOnlyList<string>> managers, Action<TaskStatusUpdate> report, ILoggerFactory loggers,
        DrainSignals drains, LocalTasks? local = null) =>
        new(new EngineExecutor(runtime, new Images.ImageFetcher(images, channels, managers, loggers.CreateLogger<Images.ImageFetcher>())),
            report, TimeProvider.System, loggers.CreateLogger<Worker>(), drains, local);

    public void Apply(Assignments assignments)
    {
        var assigned = assignments.Tasks.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var orphans = new List<TaskRunner>();
        lock (gate)
        {
            foreach (var task in assigned.Values)
            {
                if (runners.TryGetValue(task.Id, out var r))
                {
                    if (task.DesiredState > TaskState.Running)
                    {
                        local?.Withdraw(task.Id); // before the drain wait: the kernel fast path drops it at once
                    }
                    r.Runner.Update(task);
                }
                else if (task.DesiredState <= TaskState.Running && task.Status?.State < TaskState.Complete)
                {
                    // A replacement that publishes ports waits for the task it replaces on this node to
                    // stop: both would bind the same host ports (stop-first updates, restarts).
                    var predecessors = PublishesPorts(task)
                        ? runners.Values.Where(r => r.Runner.TaskId != task.Id && SameSlot(r.Runner.Task, task)).Select(r => r.Run).ToArray()
                        : [];
                    var runner = new TaskRunner(task, executor, report, time, logger, drains);
                    // On the thread pool: preparing runs synchronously up to the first real wait (the image is
                    // here, creating a container is disk writes), so started inline the tasks of one assignment
                    // set were prepared one after another on the session's reader (30 creates in a row on a scale-up).
                    runners[task.Id] = (runner, System.Threading.Tasks.Task.Run(() => runner.RunAsync(predecessors, stopping.Token)));
                }
            }
            removals.RemoveAll(t => t.IsCompleted);
            foreach (var (id, r) in runners.Where(r => !assigned.ContainsKey(r.Key)).ToList())
            {
                local?.Withdraw(id);
                r.Runner.RequestShutdown();
                orphans.Add(r.Runner);
                runners.Remove(id);
                removals.Add(RemoveWhenDoneAsync(r.Run, r.Runner));
            }
        }
        foreach (var (taskId, container) in executor.TaskContainers())
        {
            bool known;
            lock (gate)
            {
                known = runners.ContainsKey(taskId) || orphans.Any(o => o.TaskId == taskId);
            }
            if (!known && (!assigned.TryGetValue(taskId, out var t) || t.DesiredState > TaskState.Running))
            {
                // Not ours any more (or finished and no longer needed): stop and remove it.
                LogRemovingStale(taskId);
                local?.Withdraw(taskId);
                var removal = RemoveAsync(container.ContainerId);
                lock (gate)
                {
                    removals.Add(removal);
                }
            }
        }
    }

    private static bool PublishesPorts(Orch.Api.V1.Objects.Task t) => t.Endpoint?.Ports.Any(p => p.PublishedPort > 0) == true;

    private static bool SameSlot(Orch.Api.V1.Objects.Task a, Orch.Api.V1.Objects.Task b) =>
        a.ServiceId == b.ServiceId && a.Slot == b.Slot && (a.Slot != 0 || a.NodeId == b.NodeId);

    /// <summary>Re-sends the last status of every task (a new session may lead to a manager that missed some).</summary>
    public void ReportAll()
    {
        lock (gate)
        {
            foreach (var (id, r) in runners)
            {
                if (r.Runner.LastStatus is { } s)
                {
                    report(new TaskStatusUpdate { TaskId = id, Status = s });
                }
            }
        }
    }

    private async System.Threading.Tasks.Task RemoveWhenDoneAsync(System.Threading.Tasks.Task run, TaskRunner runner)
    {
        await run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (runner.ContainerId is { } id && !stopping.IsCancellationRequested)
        {
            await RemoveAsync(id);
            local?.Forget(runner.TaskId);
        }
    }

    private async System.Threading.Tasks.Task RemoveAsync(string containerId)
    {
        try
        {
            await executor.StopAsync(containerId, TimeSpan.FromSeconds(10), stopping.Token);
            await executor.RemoveAsync(containerId, stopping.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogRemoveFailed(containerId, e.Message);
        }
    }

    private readonly List<System.Threading.Tasks.Task> removals = [];

    /// <summary>Waits (bounded) for pending shutdowns and removals, e.g. before leaving the swarm.</summary>
    public async System.Threading.Tasks.Task WaitIdleAsync(TimeSpan limit)
    {
        System.Threading.Tasks.Task[] pending;
        lock (gate)
        {
            pending = [.. removals, .. runners.Values.Select(r => r.Run)];
        }
        await System.Threading.Tasks.Task.WhenAll(pending).WaitAsync(limit).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        System.Threading.Tasks.Task[] runs;
        lock (gate)
        {
            runs = [.. runners.Values.Select(r => r.Run)];
        }
        await System.Threading.Tasks.Task.WhenAll(runs).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "removing the container of task {TaskId}: no longer assigned to this node")]
    private partial void LogRemovingStale(string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not remove container {ContainerId}: {Reason}")]
    private partial void LogRemoveFailed(string containerId, string reason);
}
