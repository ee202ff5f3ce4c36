using System.Net;

namespace Orch.Agent.Worker;

/// <summary>
/// Which of this node's tasks take new connections, and at which container address, as the agent knows it
/// first-hand (thread safe). A task is serving from its RUNNING report with an address until the agent
/// starts draining or stopping it, it turns unhealthy or its container exits; then it is withdrawn (and
/// never serving again). The load balancer's kernel fast path follows this, so a local task leaves the
/// kernel's rotation before the drain wait, not when the next endpoint table arrives.
/// </summary>
public sealed class LocalTasks
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, IPAddress?> serving = new(StringComparer.Ordinal);
    private readonly HashSet<string> withdrawn = new(StringComparer.Ordinal);

    /// <summary>Raised after a task starts or stops serving (outside any lock).</summary>
    public event Action? Changed;

    /// <summary>(withdrawn, address while serving); (false, null) for a task the agent does not know.</summary>
    public (bool Withdrawn, IPAddress? Address) Get(string taskId)
    {
        lock (gate)
        {
            return withdrawn.Contains(taskId) ? (true, null) : (false, serving.GetValueOrDefault(taskId));
        }
    }

    internal void Serving(string taskId, IPAddress? address)
    {
        lock (gate)
        {
            if (withdrawn.Contains(taskId) || (serving.TryGetValue(taskId, out var old) && Equals(old, address)))
            {
                return;
            }
            serving[taskId] = address;
        }
        Changed?.Invoke();
    }

    internal void Withdraw(string taskId)
    {
        lock (gate)
        {
            serving.Remove(taskId);
            if (!withdrawn.Add(taskId))
            {
                return;
            }
        }
        Changed?.Invoke();
    }

    /// <summary>The task is gone from this node (its container removed): nothing to remember.</summary>
    internal void Forget(string taskId)
    {
        lock (gate)
        {
            serving.Remove(taskId);
            withdrawn.Remove(taskId);
        }
    }
}
