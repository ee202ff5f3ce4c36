using Orch.Api.V1.Objects;
using static Orch.Manager.Orchestration.TaskRules;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Decides what history to drop: each slot keeps at most task_history_limit tasks (current one
/// included, as `service ps` shows them; 0 = the default 5, negative = keep all); finished tasks
/// of slots above the replica count and of removed services go; runnable tasks of a removed
/// service are shut down first. Tasks still running (or not yet reported stopped) are kept.
/// </summary>
internal static class TaskReaperDecider
{
    public static Decision Decide(ClusterView view, DateTimeOffset now)
    {
        var d = new Decision();
        var configured = view.Cluster?.Spec?.TaskHistoryLimit ?? 0;
        var limit = configured == 0 ? ServiceDefaults.TaskHistoryLimit : configured;
        foreach (var group in view.Tasks.GroupBy(t => (t.ServiceId, SlotKey(t))))
        {
            view.Services.TryGetValue(group.Key.ServiceId, out var service);
            Decide(service, group.ToList(), limit, now, d);
        }
        return d;
    }

    private static void Decide(Service? service, List<TaskObject> slot, long limit, DateTimeOffset now, Decision d)
    {
        var gone = service is null
            || (service.Spec.Mode == ServiceMode.Replicated && slot[0].Slot > ServiceDefaults.ReplicasOf(service.Spec));
        var done = slot.Where(t => !IsRunnable(t) && IsFinished(t)).OrderByDescending(CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal).ToList();
        if (service is null)
        {
            foreach (var t in slot.Where(IsRunnable))
            {
                d.Update(Shutdown(t, now, "service removed"));
            }
        }
        if (gone)
        {
            done.ForEach(t => d.Remove(t));
            return;
        }
        if (limit < 0)
        {
            return;
        }
        var keep = Math.Max(0, limit - slot.Count(t => !done.Contains(t)));
        foreach (var t in done.Skip((int)Math.Min(keep, int.MaxValue)))
        {
            d.Remove(t);
        }
    }
}
