using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Scheduling;

/// <summary>
/// A node as the scheduler sees it during one planning pass: the node, what its tasks reserve,
/// how many tasks (per service) it holds and which host-mode ports are taken. Changed only by
/// <see cref="Add"/> as the pass places tasks.
/// </summary>
internal sealed class NodeInfo(Node node)
{
    public Node Node { get; } = node;

    public string Id => Node.Id;

    public long FreeNanoCpus { get; private set; } = node.Description?.Resources?.NanoCpus ?? 0;

    public long FreeMemory { get; private set; } = node.Description?.Resources?.MemoryBytes ?? 0;

    /// <summary>Tasks that count for spreading: desired to run, not yet finished.</summary>
    public int TotalTasks { get; private set; }

    public Dictionary<string, int> ServiceTasks { get; } = new(StringComparer.Ordinal);

    public HashSet<(PortProtocol Protocol, uint Port)> HostPorts { get; } = [];

    public int TasksOf(string serviceId) => ServiceTasks.GetValueOrDefault(serviceId);

    /// <summary>
    /// Accounts for a task on this node. Resources and host ports are held by every unfinished
    /// task (an old task shutting down still holds its port); spreading and max-replicas count
    /// only tasks still desired to run.
    /// </summary>
    public void Add(TaskObject task)
    {
        var observed = task.Status?.State ?? TaskState.New;
        if (observed > TaskState.Running)
        {
            return;
        }
        var reservations = task.Spec?.Resources?.Reservations;
        FreeNanoCpus -= reservations?.NanoCpus ?? 0;
        FreeMemory -= reservations?.MemoryBytes ?? 0;
        foreach (var p in HostPortsOf(task))
        {
            HostPorts.Add(p);
        }
        if (task.DesiredState <= TaskState.Running)
        {
            TotalTasks++;
            ServiceTasks[task.ServiceId] = TasksOf(task.ServiceId) + 1;
        }
    }

    public static IEnumerable<(PortProtocol Protocol, uint Port)> HostPortsOf(TaskObject task) =>
        task.Endpoint?.Ports.Where(p => p.PublishMode == PublishMode.Host && p.PublishedPort != 0)
            .Select(p => (p.Protocol, p.PublishedPort)) ?? [];
}
