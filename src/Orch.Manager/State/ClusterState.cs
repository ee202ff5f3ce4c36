using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.State;

/// <summary>
/// The managers' in-memory store: every object of the cluster, changed only by
/// <see cref="Apply"/> (committed commands, in log order) and <see cref="Restore"/> (snapshots).
/// Reads may run concurrently with apply and always get copies.
/// </summary>
internal sealed partial class ClusterState
{
    /// <summary>How many request ids are remembered for dedupe.</summary>
    public const int DefaultRequestLogCapacity = 10_000;

    private readonly Lock gate = new();
    private readonly SortedDictionary<string, StoreObject>[] tables;
    private readonly RequestLog requests;
    private readonly List<StoreWatch> watches = [];
    private ulong appliedIndex;

    public ClusterState(int requestLogCapacity = DefaultRequestLogCapacity)
    {
        tables = new SortedDictionary<string, StoreObject>[Enum.GetValues<ObjectKind>().Length];
        for (var i = 0; i < tables.Length; i++)
        {
            tables[i] = new SortedDictionary<string, StoreObject>(StringComparer.Ordinal);
        }
        requests = new RequestLog(requestLogCapacity);
    }

    /// <summary>Index of the last command applied (0 before any).</summary>
    public ulong AppliedIndex
    {
        get { lock (gate) { return appliedIndex; } }
    }

    public Node? GetNode(string id) => Get(ObjectKind.Node, id)?.Node;

    public IReadOnlyList<Node> ListNodes() => List(ObjectKind.Node).Select(o => o.Node).ToList();

    public Cluster? GetCluster() => List(ObjectKind.Cluster).FirstOrDefault()?.Cluster;

    public Service? GetService(string id) => Get(ObjectKind.Service, id)?.Service;

    public IReadOnlyList<Service> ListServices() => List(ObjectKind.Service).Select(o => o.Service).ToList();

    public TaskObject? GetTask(string id) => Get(ObjectKind.Task, id)?.Task;

    public IReadOnlyList<TaskObject> ListTasks() => List(ObjectKind.Task).Select(o => o.Task).ToList();

    /// <summary>A copy of the stored object, or null.</summary>
    public StoreObject? Get(ObjectKind kind, string id)
    {
        lock (gate)
        {
            return Table(kind).TryGetValue(id, out var o) ? o.Clone() : null;
        }
    }

    /// <summary>Copies of every object of a kind, ordered by id.</summary>
    public IReadOnlyList<StoreObject> List(ObjectKind kind)
    {
        lock (gate)
        {
            return Table(kind).Values.Select(o => o.Clone()).ToList();
        }
    }

    /// <summary>
    /// The remembered outcome of the command's request id if it was applied recently, as a duplicate apply
    /// answers: with the objects it created or updated as stored now. The request log keeps no objects (snapshot
    /// size), and callers such as the control API return <c>Objects[0]</c> of a successful result, so a retried
    /// write that had already been applied must come back with them, not as an empty success.
    /// </summary>
    public CommandResult? FindResult(Command command)
    {
        lock (gate)
        {
            return requests.TryGet(command.RequestId, out var r) ? Duplicate(r, command) : null;
        }
    }

    /// <summary>Subscribe to changes from now on (in log order).</summary>
    public StoreWatch Watch()
    {
        var watch = new StoreWatch(w =>
        {
            lock (gate)
            {
                watches.Remove(w);
            }
        });
        lock (gate)
        {
            watches.Add(watch);
        }
        return watch;
    }

    private SortedDictionary<string, StoreObject> Table(ObjectKind kind) =>
        kind is > ObjectKind.Unspecified and <= ObjectKind.Task
            ? tables[(int)kind]
            : throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown object kind");

    // Called with the gate held, so that events reach every watcher in apply order.
    private void Publish(List<StoreEvent> events)
    {
        foreach (var w in watches)
        {
            foreach (var e in events)
            {
                w.Publish(e);
            }
        }
    }
}
