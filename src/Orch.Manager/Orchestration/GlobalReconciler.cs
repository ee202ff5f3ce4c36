using Orch.Api.V1.Objects;
using Orch.Manager.Scheduling;
using static Orch.Manager.Orchestration.TaskRules;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Decides for global services: one runnable task on every eligible node (Ready, Active,
/// constraints met), including nodes that join later. A node that is drained, removed or no
/// longer meets the constraints loses its task; a paused or Down node keeps the one it has but
/// gets no new one. Tasks are created bound to their node; the scheduler still checks resources.
/// </summary>
internal static class GlobalReconciler
{
    public static Decision Decide(ClusterView view, DateTimeOffset now) => PerService.Decide(view, ServiceMode.Global, now, Decide);

    private static void Decide(ClusterView view, Service s, DateTimeOffset now, Decision d)
    {
        if (PerService.ConstraintsOf(s) is not { } constraints)
        {
            return;
        }
        bool Keeps(Node n) => n.Spec?.Availability != NodeAvailability.Drain && constraints.All(c => c.Matches(n));
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in view.TasksOf(s.Id).Where(IsRunnable))
        {
            if (!view.Nodes.TryGetValue(t.NodeId, out var node) || !Keeps(node))
            {
                d.Update(Shutdown(t, now, $"node {t.NodeId} is no longer eligible"));
            }
            else
            {
                covered.Add(t.NodeId);
            }
        }
        foreach (var n in view.Nodes.Values.OrderBy(n => n.Id, StringComparer.Ordinal))
        {
            var eligible = n.Status?.State == NodeState.Ready && (n.Spec?.Availability ?? NodeAvailability.Active) == NodeAvailability.Active;
            if (eligible && Keeps(n) && !covered.Contains(n.Id))
            {
                d.Create(NewTask(s, 0, n.Id, now));
            }
        }
    }
}
