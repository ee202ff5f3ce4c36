using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Dispatching;

/// <summary>
/// The load balancers' side of the session (issue 6): every session carries the cluster's
/// endpoint table, pushed at once and after every store change that alters it (task state,
/// health, desired state, node readiness, a service's ports). Each node's balancer serves the
/// newest table it received and says so (EndpointsApplied); once every Ready node has applied a
/// table that keeps a draining or unhealthy task out, the next table marks it drained, which is
/// its agent's signal to stop it (<see cref="BalancerAcks"/>).
/// </summary>
internal sealed partial class Dispatcher
{
    /// <summary>The table as of now, built once per store index and confirmation change for all sessions (read-only: never modify it).</summary>
    private EndpointTable Endpoints()
    {
        // Both read before the build, which therefore sees at least this state: a table cached under a key is never older than the key.
        var key = (store.ReadLocal(s => s.AppliedIndex), acks.Version);
        return endpointCache.Get(key, () =>
        {
            var (table, ready) = store.ReadLocal(s => (EndpointTables.Build(s.ListServices(), s.ListTasks(), s.ListNodes()),
                s.ListNodes().Where(n => n.Status?.State == NodeState.Ready).Select(n => n.Id).ToList()));
            foreach (var b in table.Endpoints.SelectMany(e => e.Backends))
            {
                b.Drained = KeptOut(b) && acks.Drained(b.TaskId, ready);
            }
            return table;
        });
    }

    /// <summary>A backend that gets no new connection from a balancer serving this table.</summary>
    internal static bool KeptOut(EndpointBackend b) => b.Draining || !b.Healthy;

    private static bool AffectsEndpoints(StoreEvent e) => e.Object?.KindCase switch
    {
        null => true,
        StoreObject.KindOneofCase.Task or StoreObject.KindOneofCase.Service or StoreObject.KindOneofCase.Node => true,
        _ => false,
    };

    /// <summary>
    /// One session's endpoint tables: numbers each one sent and remembers which tasks it kept out until the agent
    /// answers for it. Also the session's identity in <see cref="BalancerAcks"/>.
    /// </summary>
    internal sealed class EndpointFeed
    {
        private readonly Lock gate = new();
        private readonly Dictionary<ulong, string[]> sent = [];
        private ulong next;

        /// <summary>The message that sends <paramref name="table"/> (a numbered copy; the table itself is left as it was).</summary>
        public DispatcherMessage Stamp(EndpointTable table)
        {
            var numbered = table.Clone();
            lock (gate)
            {
                numbered.Sequence = ++next;
                sent[numbered.Sequence] = [.. table.Endpoints.SelectMany(e => e.Backends).Where(KeptOut).Select(b => b.TaskId).Distinct()];
            }
            return new DispatcherMessage { Endpoints = numbered };
        }

        /// <summary>The tasks table <paramref name="sequence"/> kept out, once (null for a number never sent or already answered); older tables are forgotten.</summary>
        public string[]? Answered(ulong sequence)
        {
            lock (gate)
            {
                if (!sent.Remove(sequence, out var keptOut))
                {
                    return null;
                }
                foreach (var older in sent.Keys.Where(k => k < sequence).ToList())
                {
                    sent.Remove(older);
                }
                return keptOut;
            }
        }
    }

    /// <summary>
    /// The last endpoint table built, shared by the leader's sessions: without it every session rebuilt the table after
    /// every store change and every balancer's confirmation (sessions × changes builds).
    /// </summary>
    internal sealed class EndpointTableCache
    {
        private readonly Lock gate = new();
        private (ulong Index, long Acks) key;
        private EndpointTable? table;

        public EndpointTable Get((ulong Index, long Acks) now, Func<EndpointTable> build)
        {
            lock (gate)
            {
                if (table is null || key != now)
                {
                    table = build();
                    key = now;
                }
                return table;
            }
        }
    }
}
