namespace Orch.Chaos.Tests.Checking;

/// <summary>
/// Nodes, tasks and the containers really running, once the cluster has settled: every node is Ready again, each service runs exactly its
/// replica count (by the managers' task records and by what the engines run), nothing runs for a removed
/// service or for a task that is no longer desired, and no task is placed on a node the cluster does not have.
/// </summary>
internal static class TaskRules
{
    public static IEnumerable<Violation> Check(ManagerView view, IReadOnlyList<RunningContainer> containers)
    {
        var nodes = view.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var hostnames = view.Nodes.Select(n => n.Hostname).ToHashSet(StringComparer.Ordinal);
        var names = view.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var desired = view.Tasks.Where(t => t.DesiredRunning).ToList();
        var via = $"(via n{view.Manager})";

        // Every fault was repaired before the state was read: each node must be back.
        foreach (var n in view.Nodes.Where(n => !n.Ready))
        {
            yield return new Violation(Rule.NotConverged, $"node {n.Hostname} {via}", "not Ready after every fault was repaired");
        }
        foreach (var t in desired.Where(t => t.NodeId.Length > 0 && !nodes.ContainsKey(t.NodeId)))
        {
            yield return new Violation(Rule.TaskOffCluster, $"task {t.Id} {via}", $"desired running on node {t.NodeId}, which is not in the cluster");
        }
        foreach (var c in containers.Where(c => !hostnames.Contains(c.Hostname)))
        {
            yield return new Violation(Rule.TaskOffCluster, $"container of task {c.TaskId} {via}", $"runs on {c.Hostname}, which is not a node of the cluster");
        }

        foreach (var s in view.Services)
        {
            var subject = $"service {s.Name} {via}";
            var running = desired.Count(t => t.ServiceId == s.Id && t.Running && nodes.TryGetValue(t.NodeId, out var n) && n.Ready);
            var live = containers.Count(c => c.ServiceName == s.Name);
            if (running > s.Replicas || live > s.Replicas)
            {
                yield return new Violation(Rule.OverReplicated, subject, $"{running} tasks running, {live} containers running, {s.Replicas} replicas");
            }
            else if (running < s.Replicas || live < s.Replicas)
            {
                yield return new Violation(Rule.NotConverged, subject, $"{running} tasks running on Ready nodes, {live} containers running, {s.Replicas} replicas");
            }
        }

        var wanted = desired.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var c in containers)
        {
            if (!names.Contains(c.ServiceName))
            {
                yield return new Violation(Rule.OverReplicated, $"service {c.ServiceName} {via}", $"removed, but task {c.TaskId} still runs on {c.Hostname}");
            }
            else if (!wanted.Contains(c.TaskId))
            {
                yield return new Violation(Rule.OverReplicated, $"service {c.ServiceName} {via}", $"task {c.TaskId} is not desired running, but its container runs on {c.Hostname}");
            }
        }
    }
}
