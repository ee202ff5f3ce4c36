using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Orch.Agent.Execution;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Agent.Worker;

/// <summary>
/// Carries one task through PREPARING → STARTING → RUNNING → COMPLETE/FAILED/SHUTDOWN on this
/// node and reports each step. A task is never restarted here: a failed task stays failed and the
/// manager's restart supervisor makes a new one (Swarm's model). Health checks run while RUNNING;
/// an unhealthy task is stopped and reported FAILED with the check's output.
/// </summary>
internal sealed partial class TaskRunner(TaskObject task, IExecutor executor, Action<TaskStatusUpdate> report, TimeProvider time, ILogger logger,
    DrainSignals drains)
{
    private readonly CancellationTokenSource shutdown = new();
    private volatile TaskObject current = task;

    public string TaskId { get; } = task.Id;

    /// <summary>The newest copy of the task.</summary>
    public TaskObject Task => current;

    public string? ContainerId { get; private set; }

    public TaskStatus? LastStatus { get; private set; }

    /// <summary>A newer copy of the task (its desired state may have changed).</summary>
    public void Update(TaskObject task)
    {
        current = task;
        if (task.DesiredState > TaskState.Running)
        {
            RequestShutdown();
        }
    }

    public void RequestShutdown() => shutdown.Cancel();

    public async System.Threading.Tasks.Task RunAsync(System.Threading.Tasks.Task[] predecessors, CancellationToken stopping)
    {
        if (predecessors.Length > 0)
        {
            // Bounded: a predecessor that never stops must not keep this task from ever starting.
            await System.Threading.Tasks.Task.WhenAll(predecessors).WaitAsync(TimeSpan.FromMinutes(2), time, stopping)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        var task = current;
        var adopt = executor.TaskContainers().TryGetValue(task.Id, out var existing) && existing.Running;
        try
        {
            if (adopt)
            {
                ContainerId = existing.ContainerId;
                Report(TaskState.Running, "started", container: new ContainerStatus { ContainerId = existing.ContainerId });
            }
            else
            {
                if (shutdown.IsCancellationRequested)
                {
                    Report(TaskState.Shutdown, "shutdown before start");
                    return;
                }
                Report(TaskState.Preparing, "preparing");
                try
                {
                    ContainerId = await executor.PrepareAsync(task, stopping);
                }
                catch (ExecutorException e)
                {
                    Report(TaskState.Rejected, "preparing failed", error: e.Message);
                    return;
                }
                if (shutdown.IsCancellationRequested)
                {
                    Report(TaskState.Shutdown, "shutdown before start");
                    return;
                }
                Report(TaskState.Starting, "starting");
                try
                {
                    var started = await executor.StartAsync(ContainerId, stopping);
                    Report(TaskState.Running, "started", container: started, health: HasHealthCheck(task) ? TaskHealth.Starting : TaskHealth.Unspecified);
                }
                catch (ExecutorException e)
                {
                    Report(TaskState.Failed, "starting failed", error: e.Message);
                    return;
                }
            }
            await SuperviseAsync(task, ContainerId!, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The agent is stopping; the container keeps running and is adopted on the next start.
        }
    }

    private async System.Threading.Tasks.Task SuperviseAsync(TaskObject task, string containerId, CancellationToken stopping)
    {
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(stopping, shutdown.Token);
        var exit = executor.WaitAsync(containerId, stopping);
        // Without a health check the health task never completes (it must not win WhenAny below).
        var health = HasHealthCheck(task)
            ? HealthAsync(task.Spec.Container.Healthcheck, containerId, watch.Token)
            : new TaskCompletionSource<string?>().Task;
        var stop = System.Threading.Tasks.Task.Delay(Timeout.Infinite, shutdown.Token);
        var first = await System.Threading.Tasks.Task.WhenAny(exit, health, stop);
        stopping.ThrowIfCancellationRequested();
        var grace = task.Spec?.Container?.StopGracePeriod?.ToTimeSpan() ?? TimeSpan.FromSeconds(10);
        if (first == stop || (first == health && health.Result is null && shutdown.IsCancellationRequested))
        {
            await DrainAsync(current, stopping);
            await executor.StopAsync(containerId, grace, stopping);
            Report(TaskState.Shutdown, "shutdown");
            return;
        }
        if (first == health && health.Result is { } unhealthy)
        {
            // Said first, so that the load balancers drop the task before it is stopped.
            Report(TaskState.Running, "unhealthy", health: TaskHealth.Unhealthy);
            await DrainAsync(current, stopping);
            await executor.StopAsync(containerId, grace, stopping);
            Report(TaskState.Failed, "unhealthy container", error: "task: container is unhealthy: " + unhealthy, health: TaskHealth.Unhealthy);
            return;
        }
        await watch.CancelAsync();
        var code = await exit;
        if (shutdown.IsCancellationRequested)
        {
            Report(TaskState.Shutdown, "shutdown", exitCode: code);
        }
        else if (code == 0)
        {
            Report(TaskState.Complete, "finished", exitCode: code);
        }
        else
        {
            Report(TaskState.Failed, "task: non-zero exit", error: $"task: non-zero exit ({code})", exitCode: code);
        }
    }

    /// <summary>Runs the check until it fails <c>retries</c> times in a row (returns the output) or the task ends (null).</summary>
    private async Task<string?> HealthAsync(HealthConfig check, string containerId, CancellationToken ct)
    {
        var interval = Positive(check.Interval, TimeSpan.FromSeconds(30));
        var timeout = Positive(check.Timeout, TimeSpan.FromSeconds(30));
        var retries = check.Retries > 0 ? (int)check.Retries : 3;
        var startPeriod = check.StartPeriod?.ToTimeSpan() ?? TimeSpan.Zero;
        var started = time.GetUtcNow();
        var failures = 0;
        var healthy = false;
        try
        {
            while (true)
            {
                await System.Threading.Tasks.Task.Delay(interval, time, ct);
                var (passed, output) = await executor.ProbeAsync(containerId, [.. check.Test], timeout, ct);
                if (passed)
                {
                    failures = 0;
                    if (!healthy)
                    {
                        healthy = true;
                        Report(TaskState.Running, "started", health: TaskHealth.Healthy);
                    }
                    continue;
                }
                if (!healthy && time.GetUtcNow() - started < startPeriod)
                {
                    continue; // failures during the start period do not count (Docker)
                }
                if (++failures >= retries)
                {
                    return output.Length > 0 ? output : "health check failed";
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// The longest a task published through the load balancers stays up after it is marked draining (desired state
    /// past RUNNING, or reported unhealthy) before it is signalled, waiting for every Ready node's balancer to confirm
    /// it sends the task no new connection (<see cref="DrainSignals"/>; typically tens of milliseconds). The bound is
    /// for a node that stopped answering and is not marked Down yet. Open connections then get the stop grace period.
    /// </summary>
    internal static TimeSpan LoadBalancerDrainMax { get; set; } = TimeSpan.FromSeconds(5);

    private async System.Threading.Tasks.Task DrainAsync(TaskObject task, CancellationToken stopping)
    {
        if (task.Endpoint?.Ports.Any(p => p.PublishMode == PublishMode.Ingress) != true)
        {
            return;
        }
        var started = time.GetTimestamp();
        var outcome = await drains.WaitAsync(TaskId, LoadBalancerDrainMax, stopping);
        var ms = time.GetElapsedTime(started).TotalMilliseconds;
        if (outcome == DrainOutcome.TimedOut)
        {
            LogDrainUnconfirmed(TaskId, ms);
        }
        else
        {
            LogDrained(TaskId, outcome.ToString(), ms);
        }
    }

    private static bool HasHealthCheck(TaskObject task) =>
        task.Spec?.Container?.Healthcheck is { Disabled: false, Test.Count: > 0 } h && h.Test[0] != "NONE";

    private static TimeSpan Positive(Duration? d, TimeSpan fallback) => d?.ToTimeSpan() is { } t && t > TimeSpan.Zero ? t : fallback;

    private void Report(TaskState state, string message, string error = "", ContainerStatus? container = null, TaskHealth? health = null, int? exitCode = null)
    {
        var status = new TaskStatus
        {
            State = state,
            Message = message,
            Error = error,
            Timestamp = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            Container = container ?? LastStatus?.Container?.Clone() ?? (ContainerId is null ? null : new ContainerStatus { ContainerId = ContainerId }),
            Health = health ?? LastStatus?.Health ?? TaskHealth.Unspecified,
        };
        if (exitCode is { } code && status.Container is not null)
        {
            status.Container.ExitCode = code;
        }
        LastStatus = status;
        LogState(TaskId, state.ToString(), error);
        var update = new TaskStatusUpdate { TaskId = TaskId, Status = status };
        if (state == TaskState.Running && ContainerId is { } id)
        {
            var (ports, addresses) = executor.Endpoint(current, id);
            update.PublishedPorts.AddRange(ports);
            update.Addresses.AddRange(addresses);
        }
        report(update);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "task {TaskId}: load balancers drained ({Outcome}) in {Milliseconds:F0} ms; stopping it")]
    private partial void LogDrained(string taskId, string outcome, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "task {TaskId}: not every load balancer confirmed the drain within {Milliseconds:F0} ms; stopping it anyway")]
    private partial void LogDrainUnconfirmed(string taskId, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "task {TaskId} {State} {Error}")]
    private partial void LogState(string taskId, string state, string error);
}
