using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using static Orch.Manager.Orchestration.TaskRules;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Decides the next step of a rolling update (or rollback) of one service, from the service's
/// update_status and its tasks alone, so that a new leader resumes where the old one stopped:
/// <list type="bullet">
/// <item>A slot is dirty while its runnable task was made from another template; in flight while
/// its new task is not yet ready (RUNNING and, with a health check, healthy).</item>
/// <item>Up to `parallelism` slots (0 = all) are busy at once; a slot stays busy for `delay`
/// after its new task became ready (each worker's pause, as Swarm's).</item>
/// <item>stop-first: the old task is shut down and the new one created in the same step;
/// start-first: the new one is created, and the old one shut down once the new one is ready.</item>
/// <item>Failures: new tasks of this update that stopped (FAILED, REJECTED, COMPLETE) before
/// running or within `monitor` of starting. More than max_failure_ratio × slots triggers the
/// failure action: pause, continue, or rollback (previous_spec becomes the spec, and the reason
/// goes into update_status.message).</item>
/// <item>When no slot is dirty or in flight and `monitor` has passed since the last new task got
/// ready, the update is COMPLETED (ROLLBACK_COMPLETED).</item>
/// </list>
/// </summary>
internal static class UpdatePlanner
{
    public static Decision Decide(ClusterView view, DateTimeOffset now)
    {
        var d = new Decision();
        foreach (var s in view.Services.Values)
        {
            if (s.UpdateStatus?.State is UpdateState.Updating or UpdateState.RollbackStarted)
            {
                d.Merge(Decide(view, s, now));
            }
        }
        return d;
    }

    public static Decision Decide(ClusterView view, Service s, DateTimeOffset now)
    {
        var d = new Decision();
        if (s.UpdateStatus.StartedAt is null)
        {
            var stamped = s.Clone();
            stamped.UpdateStatus.StartedAt = Timestamp.FromDateTimeOffset(now);
            return d.Update(stamped);
        }
        var rollback = s.UpdateStatus.State == UpdateState.RollbackStarted;
        var config = ServiceDefaults.UpdateOf(s.Spec, rollback);
        var started = s.UpdateStatus.StartedAt.ToDateTimeOffset();
        var monitor = config.Monitor.ToTimeSpan();
        var delay = config.Delay.ToTimeSpan();
        var all = view.TasksOf(s.Id);
        var ours = all.Where(t => !IsDirty(t, s) && CreatedAt(t) >= started).ToList();

        var slots = Slots(view, s, all);
        var failed = ours.Where(t => Failed(t, monitor)).OrderBy(UpdatedAt).ToList();
        if (failed.Count > 0 && failed.Count > config.MaxFailureRatio * Math.Max(1, slots.Count)
            && config.FailureAction != UpdateFailureAction.Continue)
        {
            return d.Update(OnFailure(s, failed[^1], config.FailureAction, rollback, now));
        }

        var dirty = new List<List<TaskObject>>();
        var busy = 0;
        var lastReady = started;
        foreach (var slot in slots)
        {
            var fresh = slot.Where(t => !IsDirty(t, s)).ToList();
            var old = slot.Where(t => IsDirty(t, s)).ToList();
            var ready = fresh.FirstOrDefault(IsReady);
            if (fresh.Count == 0)
            {
                dirty.Add(old);
                continue;
            }
            if (ready is null)
            {
                busy += fresh.Any(t => !IsFinished(t)) ? 1 : 0;
                continue;
            }
            old.ForEach(t => d.Update(Shutdown(t, now, "replaced by the update")));
            // Ready from the later of the store's stamp and the process's own start (agent clock): the delay
            // never runs from before the task was really up (seen once as 0.89 s of a 1 s delay).
            var readyAt = ready.Status?.Container?.StartedAt is { } started0 && started0.ToDateTimeOffset() > UpdatedAt(ready)
                ? started0.ToDateTimeOffset() : UpdatedAt(ready);
            if (CreatedAt(ready) >= started && readyAt > lastReady)
            {
                lastReady = readyAt;
            }
            if (CreatedAt(ready) >= started && readyAt + delay > now)
            {
                busy++;
                d.WakeNoLaterThan(readyAt + delay);
            }
        }

        var room = config.Parallelism == 0 ? int.MaxValue : (int)Math.Max(0, (long)config.Parallelism - busy);
        foreach (var old in dirty.Take(room))
        {
            var first = old[0];
            var next = NewTask(s, first.Slot, s.Spec.Mode == ServiceMode.Global ? first.NodeId : "", now);
            d.Create(next);
            if (config.Order != UpdateOrder.StartFirst)
            {
                old.ForEach(t => d.Update(Shutdown(t, now, "replaced by the update")));
            }
        }
        if (dirty.Count == 0 && busy == 0 && d.Ops.Count == 0)
        {
            if (now >= lastReady + monitor)
            {
                var done = s.Clone();
                done.UpdateStatus.State = rollback ? UpdateState.RollbackCompleted : UpdateState.Completed;
                done.UpdateStatus.CompletedAt = Timestamp.FromDateTimeOffset(now);
                // An automatic rollback keeps its reason ("rollback completed: update rolled back due to …"),
                // so `service inspect` still says why once it is over (Swarm drops it; we keep it).
                done.UpdateStatus.Message = !rollback ? "update completed"
                    : s.UpdateStatus.Message.StartsWith("update rolled back due to", StringComparison.Ordinal)
                        ? "rollback completed: " + s.UpdateStatus.Message : "rollback completed";
                return d.Update(done);
            }
            d.WakeNoLaterThan(lastReady + monitor);
        }
        return d;
    }

    // The runnable tasks of each place the service should have: slots 1..replicas, or one per
    // node holding a runnable task (global). Ordered, so updates go slot by slot.
    private static List<List<TaskObject>> Slots(ClusterView view, Service s, IReadOnlyList<TaskObject> all)
    {
        var runnable = all.Where(t => IsRunnable(t) && !view.NodeLost(t.NodeId));
        if (s.Spec.Mode == ServiceMode.Replicated)
        {
            var replicas = ServiceDefaults.ReplicasOf(s.Spec);
            runnable = runnable.Where(t => t.Slot >= 1 && t.Slot <= replicas);
        }
        return runnable.GroupBy(SlotKey).OrderBy(g => g.First().Slot).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.ToList()).ToList();
    }

    private static bool Failed(TaskObject t, TimeSpan monitor)
    {
        if (t.Status?.State is not (TaskState.Failed or TaskState.Rejected or TaskState.Complete))
        {
            return false;
        }
        var startedAt = t.Status.Container?.StartedAt?.ToDateTimeOffset();
        return startedAt is null || UpdatedAt(t) - startedAt.Value <= monitor;
    }

    private static Service OnFailure(Service s, TaskObject task, UpdateFailureAction action, bool rollback, DateTimeOffset now)
    {
        var why = $"failure or early termination of task {task.Id}" + (task.Status.Error.Length > 0 ? $": {task.Status.Error}" : "");
        var next = s.Clone();
        if (action == UpdateFailureAction.Rollback && !rollback && s.PreviousSpec is not null)
        {
            next.Spec = s.PreviousSpec;
            next.PreviousSpec = null;
            next.PreviousSpecVersion = s.SpecVersion;
            next.SpecVersion = s.SpecVersion + 1;
            next.UpdateStatus = new UpdateStatus
            {
                State = UpdateState.RollbackStarted,
                StartedAt = Timestamp.FromDateTimeOffset(now),
                Message = $"update rolled back due to {why}",
            };
            return next;
        }
        next.UpdateStatus.State = rollback ? UpdateState.RollbackPaused : UpdateState.Paused;
        next.UpdateStatus.Message = (rollback ? "rollback paused due to " : "update paused due to ") + why
            + (action == UpdateFailureAction.Rollback && !rollback ? " (no previous spec to roll back to)" : "");
        return next;
    }
}
