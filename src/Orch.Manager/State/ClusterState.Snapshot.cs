using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

internal sealed partial class ClusterState
{
    /// <summary>A full image of the state (objects, applied index, recent request ids).</summary>
    public StoreSnapshot ToSnapshot()
    {
        lock (gate)
        {
            var s = new StoreSnapshot { AppliedIndex = appliedIndex };
            s.Nodes.AddRange(Table(ObjectKind.Node).Values.Select(o => o.Node.Clone()));
            s.Cluster = Table(ObjectKind.Cluster).Values.FirstOrDefault()?.Cluster.Clone();
            s.Services.AddRange(Table(ObjectKind.Service).Values.Select(o => o.Service.Clone()));
            s.Tasks.AddRange(Table(ObjectKind.Task).Values.Select(o => o.Task.Clone()));
            s.RecentRequests.AddRange(requests.Entries().Select(e => e.Clone()));
            return s;
        }
    }

    /// <summary>
    /// Replaces the whole state with a snapshot's (restart, or a snapshot installed from the
    /// leader). Watchers get one <see cref="StoreEventKind.Reset"/> event.
    /// </summary>
    public void Restore(StoreSnapshot snapshot)
    {
        lock (gate)
        {
            foreach (var t in tables)
            {
                t.Clear();
            }
            requests.Clear();
            foreach (var n in snapshot.Nodes)
            {
                Table(ObjectKind.Node)[n.Id] = StoreObjects.Wrap(n.Clone());
            }
            if (snapshot.Cluster is { } c)
            {
                Table(ObjectKind.Cluster)[c.Id] = StoreObjects.Wrap(c.Clone());
            }
            foreach (var s in snapshot.Services)
            {
                Table(ObjectKind.Service)[s.Id] = StoreObjects.Wrap(s.Clone());
            }
            foreach (var t in snapshot.Tasks)
            {
                Table(ObjectKind.Task)[t.Id] = StoreObjects.Wrap(t.Clone());
            }
            foreach (var r in snapshot.RecentRequests)
            {
                requests.Add(r.RequestId, r.Result.Clone());
            }
            appliedIndex = snapshot.AppliedIndex;
            Publish([new StoreEvent(StoreEventKind.Reset, null, appliedIndex)]);
        }
    }
}
