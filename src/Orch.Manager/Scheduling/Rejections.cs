using Orch.Api.V1.Objects;

namespace Orch.Manager.Scheduling;

/// <summary>
/// Why nodes were rejected for one task, counted per cause with the numbers that matter, and
/// rendered as "no suitable node: 3 nodes; 2 lack memory (need 512MiB, free 256MiB), 1 drained".
/// Causes appear in filter order.
/// </summary>
internal sealed class Rejections
{
    private readonly SortedDictionary<(int Order, string Cause), (int Count, long Best)> causes = [];
    private int nodes;

    public void Count(int order, string cause, long best = 0)
    {
        nodes++;
        var key = (order, cause);
        var (count, was) = causes.GetValueOrDefault(key);
        causes[key] = (count + 1, count == 0 ? best : Math.Max(was, best));
    }

    /// <summary>
    /// Checks one node against every filter in order; returns false (and counts the first cause)
    /// when it does not fit.
    /// </summary>
    public static bool Fits(NodeInfo n, TaskDemand d, Rejections? why)
    {
        var node = n.Node;
        if (node.Status?.State != NodeState.Ready)
        {
            why?.Count(0, "down");
            return false;
        }
        switch (node.Spec?.Availability ?? NodeAvailability.Active)
        {
            case NodeAvailability.Drain: why?.Count(1, "drained"); return false;
            case NodeAvailability.Pause: why?.Count(2, "paused"); return false;
        }
        if (d.BoundNode.Length > 0 && d.BoundNode != n.Id)
        {
            why?.Count(3, $"not node {d.BoundNode}");
            return false;
        }
        foreach (var c in d.Constraints)
        {
            if (!c.Matches(node))
            {
                why?.Count(4, $"fail{{s}} constraint {c.Text}");
                return false;
            }
        }
        return FitsNow(n, d, why);
    }

    /// <summary>The filters that change as a pass places tasks: resources, host ports, max replicas.</summary>
    public static bool FitsNow(NodeInfo n, TaskDemand d, Rejections? why)
    {
        if (d.Memory > 0 && n.FreeMemory < d.Memory)
        {
            why?.Count(5, $"lack{{s}} memory (need {Sizes.Bytes(d.Memory)}, free {{best:bytes}})", Math.Max(0, n.FreeMemory));
            return false;
        }
        if (d.NanoCpus > 0 && n.FreeNanoCpus < d.NanoCpus)
        {
            why?.Count(6, $"lack{{s}} CPU (need {Sizes.Cpus(d.NanoCpus)}, free {{best:cpus}})", Math.Max(0, n.FreeNanoCpus));
            return false;
        }
        foreach (var p in d.HostPorts)
        {
            if (n.HostPorts.Contains(p))
            {
                why?.Count(7, $"ha{{s:ve}} host port {p.Port}/{(p.Protocol == PortProtocol.Udp ? "udp" : "tcp")} in use");
                return false;
            }
        }
        if (d.MaxReplicas > 0 && (ulong)n.TasksOf(d.ServiceId) >= d.MaxReplicas)
        {
            why?.Count(8, $"{{s:has:have}} reached max replicas per node ({d.MaxReplicas})");
            return false;
        }
        return true;
    }

    public string Render()
    {
        var parts = causes.Select(c => $"{c.Value.Count} {Inflect(c.Key.Cause, c.Value.Count, c.Value.Best)}");
        var head = $"no suitable node: {nodes} node{(nodes == 1 ? "" : "s")}";
        return causes.Count == 0 ? head : $"{head}; {string.Join(", ", parts)}";
    }

    // {s}: verb ending (1 lacks / 2 lack); {s:ve}: has/have suffix; {s:has:have}; {best:…}: numbers.
    private static string Inflect(string cause, int count, long best) => cause
        .Replace("{s:has:have}", count == 1 ? "has" : "have", StringComparison.Ordinal)
        .Replace("{s:ve}", count == 1 ? "s" : "ve", StringComparison.Ordinal)
        .Replace("{s}", count == 1 ? "s" : "", StringComparison.Ordinal)
        .Replace("{best:bytes}", Sizes.Bytes(best), StringComparison.Ordinal)
        .Replace("{best:cpus}", Sizes.Cpus(best), StringComparison.Ordinal);
}
