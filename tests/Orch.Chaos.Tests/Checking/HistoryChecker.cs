namespace Orch.Chaos.Tests.Checking;

/// <summary>
/// Judges a chaos run from the recorded history of client calls and the state read after healing, and nothing
/// else (pure: no cluster, no clock). Rules, each applied to every manager's view:
/// <list type="bullet">
/// <item>No call was answered with an unhandled server exception (<see cref="Rule.ServerError"/>).</item>
/// <item>The managers agree on node labels and on services (name, replicas, register).</item>
/// <item>Node label keys and service registers are registers (<see cref="RegisterRule"/>): the final value was
/// written by a call that did not fail, and no acknowledged write is lost.</item>
/// <item>Services (<see cref="ServiceRules"/>): one per create call at most; an acknowledged create exists
/// unless a remove may have run; an acknowledged remove stays removed; the replica count is one that was asked for.</item>
/// <item>Tasks and containers (<see cref="TaskRules"/>): per service exactly <c>replicas</c> tasks desired and
/// running on Ready nodes and as many containers really running; no container of a removed service or of a
/// task no longer desired; no task on a node id the cluster does not know.</item>
/// </list>
/// </summary>
public static class HistoryChecker
{
    /// <summary>What ASP.NET Core's gRPC server answers (status UNKNOWN) when a handler throws an exception it did not map.</summary>
    public const string UnhandledMarker = "Exception was thrown by handler";

    public static IReadOnlyList<Violation> Check(IReadOnlyList<OpRecord> history, FinalState final)
    {
        var violations = new List<Violation>();
        if (final.Managers.Count == 0)
        {
            violations.Add(new Violation(Rule.ManagersDisagree, "cluster", "no manager answered"));
            return violations;
        }
        violations.AddRange(history.Where(o => o.Detail.Contains(UnhandledMarker, StringComparison.Ordinal))
            .Select(o => new Violation(Rule.ServerError, $"call #{o.Id}", o.ToString())));
        violations.AddRange(Agreement(final.Managers));
        foreach (var view in final.Managers)
        {
            violations.AddRange(NodeLabels(history, view));
            violations.AddRange(ServiceRules.Check(history, view));
            violations.AddRange(TaskRules.Check(view, final.Containers));
        }
        return violations;
    }

    /// <summary>Every node label key the workload wrote is a register; its final value is the view's label.</summary>
    private static IEnumerable<Violation> NodeLabels(IReadOnlyList<OpRecord> history, ManagerView view)
    {
        foreach (var register in history.Where(o => o.Kind == OpKind.SetNodeLabel).GroupBy(o => (o.Target, o.Key)))
        {
            var (hostname, key) = register.Key;
            var subject = $"label {key} of {hostname} (via n{view.Manager})";
            var nodes = view.Nodes.Where(n => n.Hostname == hostname).ToList();
            if (nodes.Count != 1)
            {
                yield return new Violation(Rule.LostWrite, subject, $"{nodes.Count} nodes are named {hostname}");
                continue;
            }
            var final = nodes[0].Labels.TryGetValue(key, out var v) ? v : null;
            foreach (var violation in RegisterRule.Check(subject, [.. register], final))
            {
                yield return violation;
            }
        }
    }

    // Reads are linearizable on every manager and nothing is written while they run: all views must be equal.
    private static IEnumerable<Violation> Agreement(IReadOnlyList<ManagerView> views)
    {
        static string Labels(ManagerView v) => string.Join("; ", v.Nodes.OrderBy(n => n.Hostname, StringComparer.Ordinal)
            .Select(n => n.Hostname + ":" + string.Join(',', n.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))));
        static string Services(ManagerView v) => string.Join("; ", v.Services.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Id, StringComparer.Ordinal)
            .Select(s => $"{s.Name}/{s.Id} x{s.Replicas} {s.Register}"));
        var first = views[0];
        foreach (var other in views.Skip(1))
        {
            if (Labels(other) != Labels(first))
            {
                yield return new Violation(Rule.ManagersDisagree, $"node labels n{first.Manager} vs n{other.Manager}", $"{Labels(first)} | {Labels(other)}");
            }
            if (Services(other) != Services(first))
            {
                yield return new Violation(Rule.ManagersDisagree, $"services n{first.Manager} vs n{other.Manager}", $"{Services(first)} | {Services(other)}");
            }
        }
    }
}
