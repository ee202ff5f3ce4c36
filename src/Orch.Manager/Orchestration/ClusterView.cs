using Orch.Api.V1.Objects;
using Orch.Manager.State;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Orchestration;

/// <summary>
/// A read-only copy of the store that the deciders work on: nodes, services and tasks, indexed
/// the way they look them up. Built in one read so that all of it is from one applied index.
/// </summary>
internal sealed class ClusterView
{
    private static readonly IReadOnlyList<TaskObject> NoTasks = [];
    private readonly Dictionary<string, List<TaskObject>> tasksByService;

    public ClusterView(IReadOnlyList<Node> nodes, IReadOnlyList<Service> services, IReadOnlyList<TaskObject> tasks, Cluster? cluster)
    {
        Nodes = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        Services = services.ToDictionary(s => s.Id, StringComparer.Ordinal);
        Tasks = tasks;
        Cluster = cluster;
        tasksByService = tasks.GroupBy(t => t.ServiceId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
    }

    public IReadOnlyDictionary<string, Node> Nodes { get; }

    public IReadOnlyDictionary<string, Service> Services { get; }

    public IReadOnlyList<TaskObject> Tasks { get; }

    public Cluster? Cluster { get; }

    public static ClusterView Of(ClusterState s) => new(s.ListNodes(), s.ListServices(), s.ListTasks(), s.GetCluster());

    public IReadOnlyList<TaskObject> TasksOf(string serviceId) => tasksByService.TryGetValue(serviceId, out var l) ? l : NoTasks;

    /// <summary>
    /// The node is gone for its tasks: removed from the cluster, or Down (missed its heartbeats).
    /// Its runnable tasks are replaced elsewhere; if it comes back, they are already SHUTDOWN.
    /// </summary>
    public bool NodeLost(string nodeId) =>
        nodeId.Length > 0 && (!Nodes.TryGetValue(nodeId, out var n) || n.Status?.State == NodeState.Down);
}
