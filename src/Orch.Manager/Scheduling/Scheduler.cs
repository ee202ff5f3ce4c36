using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Scheduling;

/// <summary>
/// State in, plan out (as nomad's and swarmkit's schedulers): given the nodes, every task and
/// the pending ones, decides where each pending task goes. Filters, in order: node Ready, node
/// Active (not drained or paused), bound node (global tasks), constraints, memory and CPU
/// reservations against the node's total minus its tasks' reservations, host-mode ports, max
/// replicas per node. Among the nodes left: fewest tasks of the service in the node's branch of
/// each spread preference, then fewest tasks of the service on the node, then fewest tasks in
/// total, then node id (deterministic). Pure: no I/O, no clock.
/// </summary>
internal static class Scheduler
{
    public static SchedulePlan Plan(IReadOnlyList<Node> nodes, IReadOnlyList<TaskObject> tasks, IReadOnlyList<TaskObject> pending)
    {
        var infos = nodes.OrderBy(n => n.Id, StringComparer.Ordinal).Select(n => new NodeInfo(n)).ToList();
        var byId = infos.ToDictionary(n => n.Id, StringComparer.Ordinal);
        foreach (var t in tasks)
        {
            if (t.NodeId.Length > 0 && (t.Status?.State ?? TaskState.New) >= TaskState.Assigned && byId.TryGetValue(t.NodeId, out var n))
            {
                n.Add(t);
            }
        }
        var assignments = new List<Assignment>();
        var unplaced = new List<Unplaced>();
        var groups = pending
            .OrderBy(t => t.ServiceId, StringComparer.Ordinal).ThenBy(t => t.Slot).ThenBy(t => t.Id, StringComparer.Ordinal)
            .GroupBy(t => (t.ServiceId, t.SpecVersion, t.NodeId));
        foreach (var group in groups)
        {
            TaskDemand demand;
            try
            {
                demand = TaskDemand.Of(group.First());
            }
            catch (FormatException e)
            {
                unplaced.AddRange(group.Select(t => new Unplaced(t.Id, e.Message)));
                continue;
            }
            PlaceGroup(group.ToList(), demand, infos, assignments, unplaced);
        }
        return new SchedulePlan(assignments, unplaced);
    }

    private static void PlaceGroup(
        List<TaskObject> group, TaskDemand demand, List<NodeInfo> infos, List<Assignment> assignments, List<Unplaced> unplaced)
    {
        // Static filters (readiness, availability, binding, constraints) do not change in a pass.
        var staticDemand = demand with { Memory = 0, NanoCpus = 0, HostPorts = [], MaxReplicas = 0 };
        var candidates = infos.Where(n => Rejections.Fits(n, staticDemand, null)).ToList();
        var branches = demand.SpreadLabels.Select(label => BranchCounts(candidates, label, demand.ServiceId)).ToList();
        var labels = candidates.Select(n => demand.SpreadLabels.Select(l => LabelOf(n, l)).ToArray()).ToList();
        foreach (var task in group)
        {
            NodeInfo? best = null;
            var bestAt = -1;
            for (var i = 0; i < candidates.Count; i++)
            {
                var n = candidates[i];
                if (Rejections.FitsNow(n, demand, null) && (best is null || Better(n, labels[i], best, labels[bestAt], demand.ServiceId, branches)))
                {
                    (best, bestAt) = (n, i);
                }
            }
            if (best is null)
            {
                var why = new Rejections();
                foreach (var n in infos)
                {
                    Rejections.Fits(n, demand, why);
                }
                unplaced.Add(new Unplaced(task.Id, why.Render()));
                continue;
            }
            var placed = task.Clone();
            placed.NodeId = best.Id;
            placed.Status = new TaskStatus { State = TaskState.Assigned };
            placed.DesiredState = TaskState.Running;
            best.Add(placed);
            for (var i = 0; i < branches.Count; i++)
            {
                var value = labels[bestAt][i];
                branches[i][value] = branches[i].GetValueOrDefault(value) + 1;
            }
            assignments.Add(new Assignment(task.Id, best.Id));
        }
    }

    private static bool Better(NodeInfo a, string[] aLabels, NodeInfo b, string[] bLabels, string serviceId, List<Dictionary<string, int>> branches)
    {
        for (var i = 0; i < branches.Count; i++)
        {
            var ca = branches[i].GetValueOrDefault(aLabels[i]);
            var cb = branches[i].GetValueOrDefault(bLabels[i]);
            if (ca != cb)
            {
                return ca < cb;
            }
        }
        var (sa, sb) = (a.TasksOf(serviceId), b.TasksOf(serviceId));
        if (sa != sb)
        {
            return sa < sb;
        }
        if (a.TotalTasks != b.TotalTasks)
        {
            return a.TotalTasks < b.TotalTasks;
        }
        return string.CompareOrdinal(a.Id, b.Id) < 0;
    }

    // Tasks of the service per value of the label over the eligible nodes; nodes without the
    // label form their own branch ("").
    private static Dictionary<string, int> BranchCounts(List<NodeInfo> candidates, string label, string serviceId)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in candidates)
        {
            var v = LabelOf(n, label);
            counts[v] = counts.GetValueOrDefault(v) + n.TasksOf(serviceId);
        }
        return counts;
    }

    private static string LabelOf(NodeInfo n, string label) =>
        n.Node.Spec?.Labels.TryGetValue(label, out var v) == true ? v : "";
}
