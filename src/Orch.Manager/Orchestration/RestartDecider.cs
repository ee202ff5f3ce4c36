using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using static Orch.Manager.Orchestration.TaskRules;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Decides restarts: a runnable task whose process ended is replaced (old one SHUTDOWN, a new
/// task in the same slot, or on the same node for global services) when the restart condition
/// allows it (none: never; on-failure: unless it completed with exit 0; any: always), after the
/// restart delay counted from when the end was recorded (leader time), and at most max_attempts
/// times within the window. The count travels in Task.restart_history, so it survives a leader
/// change (Swarm keeps it in memory). A task not restarted keeps its slot, ended (as Swarm).
/// </summary>
internal static class RestartDecider
{
    public static Decision Decide(ClusterView view, DateTimeOffset now)
    {
        var d = new Decision();
        foreach (var t in view.Tasks.Where(t => IsRunnable(t) && IsFinished(t)))
        {
            if (view.Services.TryGetValue(t.ServiceId, out var s) && !view.NodeLost(t.NodeId))
            {
                Decide(s, t, now, d);
            }
        }
        return d;
    }

    private static void Decide(Service s, TaskObject t, DateTimeOffset now, Decision d)
    {
        var policy = t.Spec?.RestartPolicy;
        var condition = ServiceDefaults.ConditionOf(t.Spec);
        var exitedCleanly = t.Status.State == TaskState.Complete && (t.Status.Container?.ExitCode ?? 0) == 0;
        if (condition == RestartCondition.None || (condition == RestartCondition.OnFailure && exitedCleanly))
        {
            return;
        }
        var window = policy?.Window?.ToTimeSpan() ?? TimeSpan.Zero;
        var history = t.RestartHistory.Where(at => window <= TimeSpan.Zero || now - at.ToDateTimeOffset() < window).ToList();
        if (policy?.MaxAttempts is > 0 && (ulong)history.Count >= policy.MaxAttempts)
        {
            return;
        }
        var due = UpdatedAt(t) + ServiceDefaults.RestartDelayOf(t.Spec);
        if (now < due)
        {
            d.WakeNoLaterThan(due);
            return;
        }
        var next = NewTask(s, t.Slot, s.Spec.Mode == ServiceMode.Global ? t.NodeId : "", now);
        next.RestartHistory.AddRange(history);
        next.RestartHistory.Add(Timestamp.FromDateTimeOffset(now));
        d.Update(Shutdown(t, now, "restarting")).Create(next);
    }
}
