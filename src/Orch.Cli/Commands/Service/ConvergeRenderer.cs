using System.Globalization;
using Orch.Api.V1.Objects;
using OTask = Orch.Api.V1.Objects.Task;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// The lines of docker/cli's service progress (cli/command/service/progress): "overall progress: 2 out of
/// 3 tasks", then one line per slot (replicated, "1/3: running   [====…>]") or per node (global, by node
/// id prefix), the state padded to the longest state name and a 50-wide bar for its place in the lifecycle.
/// </summary>
internal static class ConvergeRenderer
{
    // docker/cli numberedStates: new … running = 1 … 9 (here: the states a task passes on its way up).
    private static readonly TaskState[] Lifecycle =
    [
        TaskState.New, TaskState.Pending, TaskState.Assigned, TaskState.Accepted, TaskState.Preparing,
        TaskState.Starting, TaskState.Running,
    ];

    private const int LongestState = 9; // "preparing"

    public static string StateName(TaskState s) => s.ToString().ToLowerInvariant();

    public static string Bar(TaskState state)
    {
        var step = Array.IndexOf(Lifecycle, state) + 1;
        var filled = step <= 0 ? 0 : step * 50 / Lifecycle.Length;
        return "[" + new string('=', filled) + ">" + new string(' ', 50 - filled) + "]";
    }

    /// <summary>
    /// Progress lines for the tasks that should run (desired state RUNNING),
    /// the latest per slot/node. <paramref name="desired"/> is the replica count or the node count for global.
    /// </summary>
    public static List<string> Render(Api.V1.Objects.Service service, IReadOnlyList<OTask> tasks, ulong desired, bool bars)
    {
        var current = Current(service, tasks);
        var running = current.Values.Count(t => t.Status?.State == TaskState.Running);
        var lines = new List<string> { $"overall progress: {running} out of {desired} tasks" };
        if (service.Spec.Mode == ServiceMode.Global)
        {
            foreach (var (node, t) in current.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                lines.Add(Line(node.Length > 12 ? node[..12] : node, t, bars));
            }
            return lines;
        }
        for (ulong slot = 1; slot <= desired; slot++)
        {
            var id = $"{slot}/{desired}";
            lines.Add(current.TryGetValue(slot.ToString(CultureInfo.InvariantCulture), out var t) ? Line(id, t, bars) : id + ": ");
        }
        return lines;
    }

    private static string Line(string id, OTask t, bool bars)
    {
        var state = t.Status?.State ?? TaskState.New;
        var name = StateName(state);
        return bars ? $"{id}: {name.PadRight(LongestState)} {Bar(state)}" : $"{id}: {name}";
    }

    /// <summary>
    /// Latest task per slot (or node) whose desired state is RUNNING. Not filtered by spec version: a
    /// change that leaves the template alone (scale) keeps the old tasks. During a rolling update old tasks
    /// count as running too; the watcher waits for the update status instead, as docker/cli does.
    /// </summary>
    public static Dictionary<string, OTask> Current(Api.V1.Objects.Service service, IReadOnlyList<OTask> tasks)
    {
        var result = new Dictionary<string, OTask>(StringComparer.Ordinal);
        foreach (var t in tasks.Where(t => t.DesiredState == TaskState.Running)
                     .OrderBy(t => t.Meta?.CreatedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue))
        {
            var key = service.Spec.Mode == ServiceMode.Global ? t.NodeId
                : t.Slot.ToString(CultureInfo.InvariantCulture);
            result[key] = t;
        }
        return result;
    }
}
