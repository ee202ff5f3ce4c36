using Orch.Api.V1.Objects;
using Orch.Manager.State;
using static Orch.Manager.Tests.Commands;

namespace Orch.Manager.Tests.State;

public sealed class ClusterStateTests
{
    [Fact]
    public void Apply_Create_VersionIsLogIndexAndTimesAreStamped()
    {
        var state = new ClusterState();
        var result = state.Apply(Create(Node("n1")), 7);

        Assert.Equal(CommandErrorCode.None, result.Error);
        var stored = state.GetNode("n1")!;
        Assert.Equal(7ul, stored.Meta.Version);
        Assert.Equal(new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc), stored.Meta.CreatedAt.ToDateTime());
        Assert.Equal(7ul, state.AppliedIndex);
    }

    [Fact]
    public void Apply_CreateExisting_AlreadyExistsAndUnchanged()
    {
        var state = new ClusterState();
        state.Apply(Create(Node("n1", "first")), 1);
        var result = state.Apply(Create(Node("n1", "second")), 2);

        Assert.Equal(CommandErrorCode.AlreadyExists, result.Error);
        Assert.Equal("node n1 already exists", result.Message);
        Assert.Equal("first", state.GetNode("n1")!.Description.Hostname);
    }

    [Fact]
    public void Apply_UpdateWithStaleVersion_ConflictNamesBothVersions()
    {
        var state = new ClusterState();
        state.Apply(Create(Node("n1")), 3);
        var fresh = state.GetNode("n1")!;
        fresh.Spec.Availability = NodeAvailability.Drain;
        Assert.Equal(CommandErrorCode.None, state.Apply(Update(fresh), 4).Error);

        var stale = fresh.Clone();
        stale.Meta.Version = 3;
        var result = state.Apply(Update(stale), 5);

        Assert.Equal(CommandErrorCode.Conflict, result.Error);
        Assert.Equal("node n1: update out of sequence (version 3, stored 4)", result.Message);
        Assert.Equal(4ul, state.GetNode("n1")!.Meta.Version);
    }

    [Fact]
    public void Apply_BatchWithFailingOp_ChangesNothing()
    {
        var state = new ClusterState();
        using var watch = state.Watch();
        var batch = Create(Node("a"));
        batch.Ops.Add(Remove("missing").Ops);

        var result = state.Apply(batch, 1);

        Assert.Equal(CommandErrorCode.NotFound, result.Error);
        Assert.Null(state.GetNode("a"));
        Assert.False(watch.Events.TryRead(out _));
    }

    [Fact]
    public void Apply_SameRequestIdTwice_AppliedOnceWithFirstOutcome()
    {
        var state = new ClusterState();
        var first = state.Apply(Create(Node("n1"), requestId: "req-1"), 1);
        var again = state.Apply(Create(Node("n1"), requestId: "req-1"), 2);

        Assert.Equal(CommandErrorCode.None, first.Error);
        Assert.Equal(CommandErrorCode.None, again.Error);
        Assert.True(again.Duplicate);
        Assert.Equal(1ul, again.Index);
        Assert.Equal(1ul, Assert.Single(again.Objects).Node.Meta.Version);
        Assert.Equal(1ul, state.GetNode("n1")!.Meta.Version);
    }

    [Fact]
    public void FindResult_AppliedRequest_DuplicateWithObjectsAsStoredNow()
    {
        var state = new ClusterState();
        var create = Create(Node("n1"), requestId: "req-1");
        state.Apply(create, 1);

        var found = state.FindResult(create);

        Assert.NotNull(found);
        Assert.True(found.Duplicate);
        Assert.Equal(1ul, found.Index);
        Assert.Equal("n1", Assert.Single(found.Objects).Node.Id);
        Assert.Null(state.FindResult(Create(Node("n2"), requestId: "req-2")));
    }

    [Fact]
    public void Apply_RemoveWithWrongExpectedVersion_Conflict()
    {
        var state = new ClusterState();
        state.Apply(Create(Node("n1")), 1);

        Assert.Equal(CommandErrorCode.Conflict, state.Apply(Remove("n1", expectedVersion: 9), 2).Error);
        Assert.Equal(CommandErrorCode.None, state.Apply(Remove("n1", expectedVersion: 1), 3).Error);
        Assert.Null(state.GetNode("n1"));
    }

    [Fact]
    public void Watch_EventsInApplyOrder()
    {
        var state = new ClusterState();
        using var watch = state.Watch();
        state.Apply(Create(Node("n1")), 1);
        var n1 = state.GetNode("n1")!;
        n1.Spec.Labels["zone"] = "a";
        state.Apply(Update(n1), 2);
        state.Apply(Remove("n1"), 3);

        var seen = new List<(StoreEventKind, ulong)>();
        while (watch.Events.TryRead(out var e))
        {
            seen.Add((e.Kind, e.Index));
        }
        Assert.Equal([(StoreEventKind.Created, 1ul), (StoreEventKind.Updated, 2ul), (StoreEventKind.Removed, 3ul)], seen);
    }

    [Fact]
    public void Snapshot_RestoreIntoFreshState_SameImageAndDedupeSurvives()
    {
        var state = new ClusterState();
        state.Apply(Create(Node("n1"), requestId: "r1"), 1);
        state.Apply(Create(Node("n2", labels: ("zone", "b"))), 2);
        var image = state.ToSnapshot();

        var copy = new ClusterState();
        copy.Restore(SnapshotFrame.Decode(SnapshotFrame.Encode(image), "test"));

        Assert.Equal(image, copy.ToSnapshot());
        Assert.True(copy.Apply(Create(Node("n1"), requestId: "r1"), 3).Duplicate);
    }
}
