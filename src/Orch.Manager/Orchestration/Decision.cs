using Orch.Api.V1.Objects;
using Orch.Manager.State;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Orchestration;

/// <summary>
/// What a decider wants done: store operations (proposed as they are, with the versions read, so
/// that a concurrent change makes them fail and the next pass decides again) and when to look
/// again if nothing changes (a delay running out).
/// </summary>
internal sealed class Decision
{
    public List<Op> Ops { get; } = [];

    public DateTimeOffset? WakeAt { get; private set; }

    public Decision Create(TaskObject t)
    {
        Ops.Add(new Op { Create = new CreateOp { Object = StoreObjects.Wrap(t) } });
        return this;
    }

    public Decision Update(TaskObject t)
    {
        Ops.Add(new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(t) } });
        return this;
    }

    public Decision Update(Service s)
    {
        Ops.Add(new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(s) } });
        return this;
    }

    public Decision Remove(TaskObject t)
    {
        Ops.Add(new Op { Remove = new RemoveOp { Kind = ObjectKind.Task, Id = t.Id, ExpectedVersion = t.Meta?.Version ?? 0 } });
        return this;
    }

    public Decision WakeNoLaterThan(DateTimeOffset at)
    {
        WakeAt = WakeAt is { } w && w < at ? w : at;
        return this;
    }

    public Decision Merge(Decision other)
    {
        Ops.AddRange(other.Ops);
        if (other.WakeAt is { } w)
        {
            WakeNoLaterThan(w);
        }
        return this;
    }
}
