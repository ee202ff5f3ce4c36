using Orch.Api.V1.Objects;
using static Orch.Manager.Orchestration.TaskRules;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Decides for replicated services: slots 1..replicas each hold one runnable task (a missing
/// one gets a new PENDING task), slots above replicas are shut down (scale down), and runnable
/// tasks on a lost node (Down or removed) are shut down and replaced in the same step, so that
/// when the node returns its stale tasks are already SHUTDOWN and the service never settles
/// above its replica count. Failed tasks are the restart supervisor's; dirty ones the updater's.
/// </summary>
internal static class ReplicatedReconciler
{
    public static Decision Decide(ClusterView view, DateTimeOffset now) => PerService.Decide(view, ServiceMode.Replicated, now, Decide);

    private static void Decide(ClusterView view, Service s, DateTimeOffset now, Decision d)
    {
        var replicas = ServiceDefaults.ReplicasOf(s.Spec);
        var occupied = new HashSet<ulong>();
        foreach (var t in view.TasksOf(s.Id).Where(IsRunnable))
        {
            if (view.NodeLost(t.NodeId))
            {
                d.Update(Shutdown(t, now, $"node {t.NodeId} is down"));
            }
            else if (t.Slot > replicas)
            {
                d.Update(Shutdown(t, now, "service scaled down"));
            }
            else
            {
                occupied.Add(t.Slot);
            }
        }
        for (ulong slot = 1; slot <= replicas; slot++)
        {
            if (!occupied.Contains(slot))
            {
                d.Create(NewTask(s, slot, "", now));
            }
        }
    }
}
