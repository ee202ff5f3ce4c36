using Orch.Api.V1.Objects;
using Orch.Manager.Dispatching;

namespace Orch.Manager.Tests.Dispatching;

/// <summary>The dispatcher's record of what every node's balancer confirmed (issue 6: drain before stop).</summary>
public sealed class BalancerAcksTests
{
    private static readonly string[] Ready = ["n1", "n2", "n3"];

    [Fact]
    public void Drained_OnlyOnceEveryReadyNodeConfirmedATableKeepingTheTaskOut()
    {
        var acks = new BalancerAcks();
        object s1 = new(), s2 = new(), s3 = new();
        acks.Confirm("n1", s1, 1, ["t1"]);
        acks.Confirm("n2", s2, 1, ["t1"]);
        Assert.False(acks.Drained("t1", Ready));
        acks.Confirm("n3", s3, 4, ["t2"]);
        Assert.False(acks.Drained("t1", Ready));
        acks.Confirm("n3", s3, 5, ["t1", "t2"]);
        Assert.True(acks.Drained("t1", Ready));
        Assert.False(acks.Drained("t2", Ready));
        // A node that is not Ready (Down: its balancer cannot be heard) does not hold the drain up.
        Assert.True(acks.Drained("t2", ["n3"]));
    }

    [Fact]
    public void OnlyTheNewestAppliedTableOfANodeCounts()
    {
        var acks = new BalancerAcks();
        object s = new();
        acks.Confirm("n1", s, 2, ["t1"]); // health "starting": kept out
        Assert.True(acks.Drained("t1", ["n1"]));
        acks.Confirm("n1", s, 3, []); // healthy: back in
        Assert.False(acks.Drained("t1", ["n1"]));
        acks.Confirm("n1", s, 1, ["t1"]); // an older table's answer arriving late changes nothing
        Assert.False(acks.Drained("t1", ["n1"]));
    }

    [Fact]
    public void AnEndedSessionNoLongerSpeaksForItsNode_ANewOneDoes()
    {
        var acks = new BalancerAcks();
        object old = new(), fresh = new();
        acks.Confirm("n1", old, 7, ["t1"]);
        acks.Confirm("n1", fresh, 1, ["t1"]); // a new session starts numbering at 1 again
        acks.Ended("n1", old); // the old session's end must not erase the new one's answer
        Assert.True(acks.Drained("t1", ["n1"]));
        acks.Ended("n1", fresh);
        Assert.False(acks.Drained("t1", ["n1"]));
    }

    [Fact]
    public void ListenersHearOfChanges_NotOfRepeats()
    {
        var acks = new BalancerAcks();
        var heard = 0;
        object s = new();
        using (acks.Subscribe(() => heard++))
        {
            acks.Confirm("n1", s, 1, ["t1"]);
            acks.Confirm("n1", s, 2, ["t1"]);
            Assert.Equal(1, heard);
            acks.Confirm("n1", s, 3, []);
            Assert.Equal(2, heard);
            acks.Ended("n1", s);
            Assert.Equal(3, heard);
        }
        acks.Confirm("n1", s, 4, ["t1"]);
        Assert.Equal(3, heard);
    }

    [Fact]
    public void Feed_NumbersEachTable_AndAnswersWithWhatItKeptOut_Once()
    {
        var feed = new Dispatcher.EndpointFeed();
        var table = new EndpointTable
        {
            Endpoints =
            {
                new ServiceEndpoint
                {
                    PublishedPort = 8080,
                    Backends =
                    {
                        new EndpointBackend { TaskId = "up", Healthy = true },
                        new EndpointBackend { TaskId = "leaving", Healthy = true, Draining = true },
                        new EndpointBackend { TaskId = "sick", Healthy = false },
                    },
                },
            },
        };
        var first = feed.Stamp(table);
        var second = feed.Stamp(table);
        Assert.Equal(1ul, first.Endpoints.Sequence);
        Assert.Equal(2ul, second.Endpoints.Sequence);
        Assert.Equal(0ul, table.Sequence); // the table compared against the next one is left unnumbered
        Assert.Equal(["leaving", "sick"], feed.Answered(2)!.Order());
        Assert.Null(feed.Answered(1)); // older than an answered table: forgotten
        Assert.Null(feed.Answered(2)); // once
        Assert.Null(feed.Answered(9)); // never sent
    }
}
