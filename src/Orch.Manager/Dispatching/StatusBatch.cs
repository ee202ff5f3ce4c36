using Orch.Api.V1;
using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Dispatching;

/// <summary>
/// The pure half of writing an agent's task statuses: folds a run of status updates, in the order the agent
/// sent them, into the stored tasks they change, so that one command carries them all (a scale-up reports
/// PREPARING, STARTING and RUNNING for each task: one Raft write per report was most of a 30-task converge).
/// </summary>
internal static class StatusBatch
{
    /// <summary>
    /// The tasks to write, each once, in the order of their first update: every update applied in turn to a
    /// fresh copy of the stored task. Updates of tasks that are gone or are not <paramref name="nodeId"/>'s are
    /// ignored (as Swarm does), and so is a late report that would move a finished task backwards.
    /// </summary>
    public static List<TaskObject> Fold(string nodeId, IEnumerable<TaskStatusUpdate> updates, Func<string, TaskObject?> read)
    {
        var tasks = new Dictionary<string, TaskObject?>(StringComparer.Ordinal);
        var order = new List<TaskObject>();
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var update in updates)
        {
            if (!tasks.TryGetValue(update.TaskId, out var task))
            {
                task = read(update.TaskId)?.Clone();
                tasks[update.TaskId] = task = task?.NodeId == nodeId ? task : null;
            }
            if (task is null || update.Status is null)
            {
                continue;
            }
            if (task.Status is { } current && current.State > update.Status.State && current.State >= TaskState.Complete)
            {
                continue;
            }
            task.Status = update.Status;
            ApplyEndpoint(task, update);
            if (changed.Add(task.Id))
            {
                order.Add(task);
            }
        }
        return order;
    }

    /// <summary>Copies the ports and addresses an agent reports with a status into the task (kept when a later status has none).</summary>
    public static void ApplyEndpoint(TaskObject task, TaskStatusUpdate update)
    {
        if (update.PublishedPorts.Count > 0)
        {
            task.PublishedPorts.Clear();
            task.PublishedPorts.AddRange(update.PublishedPorts);
        }
        if (update.Addresses.Count > 0)
        {
            task.Addresses.Clear();
            task.Addresses.AddRange(update.Addresses);
        }
    }
}
