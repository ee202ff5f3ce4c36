using Orch.Api.V1.Objects;
using Orch.Manager.Scheduling;
using static Orch.Manager.Orchestration.TaskRules;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Decides for replicated services which placed tasks must leave their node: every task on a node
/// that no longer meets the service's constraints (label or role changed) is shut down at once;
/// tasks on a drained node move one slot at a time per service: the next is shut down only when
/// every slot of the service has a running task again (the orchestrator makes the replacement,
/// the scheduler places it elsewhere). Global services are the global orchestrator's.
/// </summary>
internal static class ConstraintEnforcerDecider
{
    public static Decision Decide(ClusterView view, DateTimeOffset now) => PerService.Decide(view, ServiceMode.Replicated, now, Decide);

    private static void Decide(ClusterView view, Service s, DateTimeOffset now, Decision d)
    {
        if (PerService.ConstraintsOf(s) is not { } constraints)
        {
            return;
        }
        var runnable = view.TasksOf(s.Id).Where(IsRunnable).ToList();
        var drained = new List<TaskObject>();
        foreach (var t in runnable.Where(t => t.NodeId.Length > 0 && !view.NodeLost(t.NodeId)))
        {
            var node = view.Nodes[t.NodeId];
            if (!constraints.All(c => c.Matches(node)))
            {
                d.Update(Shutdown(t, now, $"node {node.Id} no longer meets the constraints"));
            }
            else if (node.Spec?.Availability == NodeAvailability.Drain)
            {
                drained.Add(t);
            }
        }
        var replicas = ServiceDefaults.ReplicasOf(s.Spec);
        var settled = runnable.All(t => t.Status?.State == TaskState.Running || IsFinished(t))
            && (ulong)runnable.Select(t => t.Slot).Where(slot => slot <= replicas).Distinct().Count() >= replicas;
        if (settled && drained.OrderBy(t => t.Slot).FirstOrDefault() is { } next)
        {
            d.Update(Shutdown(next, now, $"node {next.NodeId} is drained"));
        }
    }
}
