namespace Orch.Manager.Dispatching;

/// <summary>
/// What each node's load balancer has confirmed (issue 6's drain): for every endpoint table a session's agent says
/// it applied, the tasks that table gives no new connection (draining or not healthy). A task is drained once the
/// newest applied table of every Ready node keeps it out — only then may its agent stop it without a new
/// connection reaching a stopped container. Per node only the newest applied table counts: a task can come back in
/// (health "starting" → healthy). Pure state, shared by the dispatcher's sessions; listeners hear of every change.
/// </summary>
internal sealed class BalancerAcks
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Applied> nodes = new(StringComparer.Ordinal);
    private readonly List<Action> listeners = [];
    private long version;

    /// <summary>Changes with every change of what some node confirmed.</summary>
    public long Version => Interlocked.Read(ref version);

    private sealed record Applied(object Session, ulong Sequence, HashSet<string> KeptOut);

    /// <summary>Node <paramref name="nodeId"/>'s balancer serves table <paramref name="sequence"/> of <paramref name="session"/>, which kept these tasks out.</summary>
    public void Confirm(string nodeId, object session, ulong sequence, IEnumerable<string> keptOut)
    {
        var set = keptOut.ToHashSet(StringComparer.Ordinal);
        lock (gate)
        {
            if (nodes.TryGetValue(nodeId, out var old) && ReferenceEquals(old.Session, session))
            {
                if (old.Sequence >= sequence)
                {
                    return; // an older table's answer, overtaken
                }
                if (old.KeptOut.SetEquals(set))
                {
                    nodes[nodeId] = old with { Sequence = sequence };
                    return;
                }
            }
            nodes[nodeId] = new Applied(session, sequence, set);
        }
        Notify();
    }

    /// <summary>The node's session ended: what it confirmed no longer speaks for a balancer this leader can hear.</summary>
    public void Ended(string nodeId, object session)
    {
        lock (gate)
        {
            if (!nodes.TryGetValue(nodeId, out var old) || !ReferenceEquals(old.Session, session))
            {
                return;
            }
            nodes.Remove(nodeId);
        }
        Notify();
    }

    /// <summary>True when every node in <paramref name="readyNodes"/> has confirmed a table that keeps <paramref name="taskId"/> out.</summary>
    public bool Drained(string taskId, IEnumerable<string> readyNodes)
    {
        lock (gate)
        {
            return readyNodes.All(n => nodes.TryGetValue(n, out var a) && a.KeptOut.Contains(taskId));
        }
    }

    /// <summary>Calls <paramref name="changed"/> after every change of what some node confirmed, until disposed.</summary>
    public IDisposable Subscribe(Action changed)
    {
        lock (gate)
        {
            listeners.Add(changed);
        }
        return new Subscription(this, changed);
    }

    private void Notify()
    {
        Interlocked.Increment(ref version);
        Action[] now;
        lock (gate)
        {
            now = [.. listeners];
        }
        foreach (var l in now)
        {
            l();
        }
    }

    private sealed class Subscription(BalancerAcks acks, Action changed) : IDisposable
    {
        public void Dispose()
        {
            lock (acks.gate)
            {
                acks.listeners.Remove(changed);
            }
        }
    }
}
