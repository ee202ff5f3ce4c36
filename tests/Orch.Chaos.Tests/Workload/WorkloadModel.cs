using Orch.Chaos.Tests.Checking;

namespace Orch.Chaos.Tests.Workload;

/// <summary>
/// What the clients share: the managers and nodes to talk to, and the services they may act on (names whose
/// create did not fail and that were not removed for sure). Thread-safe.
/// </summary>
internal sealed class WorkloadModel(IReadOnlyList<int> managers, IReadOnlyDictionary<string, string> nodeIds)
{
    public const int MaxServices = 4;
    private readonly List<string> services = [];
    private readonly Lock gate = new();
    private int created;

    public IReadOnlyList<int> Managers => managers;

    public IReadOnlyList<string> Hostnames { get; } = [.. nodeIds.Keys.Order(StringComparer.Ordinal)];

    public string NodeId(string hostname) => nodeIds[hostname];

    public int LiveServices
    {
        get
        {
            lock (gate)
            {
                return services.Count;
            }
        }
    }

    /// <summary>A fresh name: the workload never creates a name twice, so a name identifies one create call.</summary>
    public string NewServiceName() => $"chaos-s{Interlocked.Increment(ref created)}";

    public string? AnyService(Random random)
    {
        lock (gate)
        {
            return services.Count == 0 ? null : services[random.Next(services.Count)];
        }
    }

    public void Created(string name, Outcome outcome)
    {
        if (outcome == Outcome.Failed)
        {
            return;
        }
        lock (gate)
        {
            services.Add(name);
        }
    }

    /// <summary>A call found no such service (e.g. its create's outcome was unknown and it never applied): stop using it.</summary>
    public void Gone(string name)
    {
        lock (gate)
        {
            services.Remove(name);
        }
    }

    public void Removed(string name, Outcome outcome)
    {
        if (outcome != Outcome.Acknowledged)
        {
            return;
        }
        lock (gate)
        {
            services.Remove(name);
        }
    }
}
