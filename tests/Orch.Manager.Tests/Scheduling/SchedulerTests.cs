using Orch.Api.V1.Objects;
using Orch.Manager.Scheduling;
using static Orch.Manager.Tests.Scheduling.SchedulingFixtures;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Tests.Scheduling;

public sealed class SchedulerTests
{
    private static Dictionary<string, int> PerNode(SchedulePlan plan) =>
        plan.Assignments.GroupBy(a => a.NodeId).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void Plan_ThreeReplicasThreeNodes_OneEach()
    {
        var nodes = new[] { Node("n1"), Node("n2"), Node("n3") };
        var pending = Enumerable.Range(1, 3).Select(i => Pending("s", (ulong)i)).ToList();

        var plan = Scheduler.Plan(nodes, [], pending);

        Assert.Empty(plan.Unplaced);
        Assert.Equal(new[] { "n1", "n2", "n3" }, plan.Assignments.Select(a => a.NodeId).Order());
    }

    [Fact]
    public void Plan_NodeDrainedPausedDown_SkipsThemWithReason()
    {
        var nodes = new[]
        {
            Node("n1", availability: NodeAvailability.Drain),
            Node("n2", availability: NodeAvailability.Pause),
            Node("n3", state: NodeState.Down),
        };
        var plan = Scheduler.Plan(nodes, [], [Pending("s", 1)]);

        Assert.Empty(plan.Assignments);
        Assert.Equal("no suitable node: 3 nodes; 1 down, 1 drained, 1 paused", plan.Unplaced.Single().Reason);
    }

    [Fact]
    public void Plan_ReservationTooBig_ReasonHasNumbers()
    {
        var nodes = new[] { Node("n1", memory: 256 * MiB), Node("n2", memory: 128 * MiB), Node("n3", availability: NodeAvailability.Drain) };
        var plan = Scheduler.Plan(nodes, [], [Pending("s", 1, memory: 512 * MiB)]);

        Assert.Equal("no suitable node: 3 nodes; 1 drained, 2 lack memory (need 512MiB, free 256MiB)", plan.Unplaced.Single().Reason);
    }

    [Fact]
    public void Plan_ReservationsOfExistingTasks_Subtracted()
    {
        var nodes = new[] { Node("n1", memory: 1024 * MiB), Node("n2", memory: 768 * MiB) };
        var existing = Running(Pending("other", 1, memory: 768 * MiB), "n1");

        var plan = Scheduler.Plan(nodes, [existing], [Pending("s", 1, memory: 512 * MiB), Pending("s", 2, memory: 512 * MiB)]);

        Assert.Equal("n2", plan.Assignments.Single().NodeId);
        Assert.Equal("no suitable node: 2 nodes; 2 lack memory (need 512MiB, free 256MiB)", plan.Unplaced.Single().Reason);
    }

    [Fact]
    public void Plan_MaxReplicasPerNode_FourthPendingWithReason()
    {
        var nodes = new[] { Node("n1"), Node("n2"), Node("n3") };
        var pending = Enumerable.Range(1, 4).Select(i => Pending("s", (ulong)i, maxReplicas: 1)).ToList();

        var plan = Scheduler.Plan(nodes, [], pending);

        Assert.Equal(3, plan.Assignments.Select(a => a.NodeId).Distinct().Count());
        var unplaced = plan.Unplaced.Single();
        Assert.Equal("s.4", unplaced.TaskId);
        Assert.Equal("no suitable node: 3 nodes; 3 have reached max replicas per node (1)", unplaced.Reason);
    }

    [Fact]
    public void Plan_Constraints_OnlyMatchingNodes()
    {
        var nodes = new[] { Node("n1", labels: ("zone", "a")), Node("n2", labels: ("zone", "b")), Node("n3", labels: ("zone", "a")) };
        var pending = Enumerable.Range(1, 4).Select(i => Pending("s", (ulong)i, constraints: ["node.labels.zone==a"])).ToList();

        var plan = Scheduler.Plan(nodes, [], pending);

        Assert.Equal(new Dictionary<string, int> { ["n1"] = 2, ["n3"] = 2 }, PerNode(plan));
    }

    [Fact]
    public void Plan_ConstraintMatchesNothing_ReasonNamesIt()
    {
        var nodes = new[] { Node("n1"), Node("n2") };
        var plan = Scheduler.Plan(nodes, [], [Pending("s", 1, constraints: ["node.hostname==nowhere"])]);

        Assert.Equal("no suitable node: 2 nodes; 2 fail constraint node.hostname==nowhere", plan.Unplaced.Single().Reason);
    }

    [Fact]
    public void Plan_HostPortTaken_OtherNode()
    {
        var nodes = new[] { Node("n1"), Node("n2") };
        var existing = Running(Pending("other", 1, hostPort: 8080), "n1");

        var plan = Scheduler.Plan(nodes, [existing], [Pending("s", 1, hostPort: 8080), Pending("s", 2, hostPort: 8080)]);

        Assert.Equal("n2", plan.Assignments.Single().NodeId);
        Assert.Equal("no suitable node: 2 nodes; 2 have host port 8080/tcp in use", plan.Unplaced.Single().Reason);
    }

    [Fact]
    public void Plan_SpreadByService_PrefersNodesWithoutTheService()
    {
        var nodes = new[] { Node("n1"), Node("n2"), Node("n3") };
        var existing = new List<TaskObject> { Running(Pending("s", 1), "n1"), Running(Pending("s", 2), "n1") };
        // n2 is busy with other services but holds none of s: spread by service comes first.
        existing.AddRange(Enumerable.Range(1, 5).Select(i => Running(Pending("x", (ulong)i), "n2")));

        var plan = Scheduler.Plan(nodes, existing, [Pending("s", 3), Pending("s", 4)]);

        Assert.Equal(new Dictionary<string, int> { ["n2"] = 1, ["n3"] = 1 }, PerNode(plan));
    }

    [Fact]
    public void Plan_TieOnService_FewestTotalTasksWins()
    {
        var nodes = new[] { Node("n1"), Node("n2") };
        var existing = Running(Pending("x", 1), "n1");

        var plan = Scheduler.Plan(nodes, [existing], [Pending("s", 1)]);

        Assert.Equal("n2", plan.Assignments.Single().NodeId);
    }

    [Fact]
    public void Plan_PlacementPreference_SpreadsOverLabelValues()
    {
        // Three nodes in zone a, one in zone b: spread=node.labels.zone puts half the tasks in b.
        var nodes = new[]
        {
            Node("a1", labels: ("zone", "a")), Node("a2", labels: ("zone", "a")), Node("a3", labels: ("zone", "a")),
            Node("b1", labels: ("zone", "b")),
        };
        var pending = Enumerable.Range(1, 6).Select(i => Pending("s", (ulong)i, spread: ["node.labels.zone"])).ToList();

        var plan = Scheduler.Plan(nodes, [], pending);

        Assert.Equal(3, plan.Assignments.Count(a => a.NodeId == "b1"));
        Assert.Equal(3, plan.Assignments.Count(a => a.NodeId.StartsWith('a')));
    }

    [Fact]
    public void Plan_BoundTask_OnlyItsNode()
    {
        var nodes = new[] { Node("n1"), Node("n2", memory: 64 * MiB) };
        var plan = Scheduler.Plan(nodes, [], [Pending("g", 0, memory: 128 * MiB, node: "n2")]);

        Assert.Empty(plan.Assignments);
        Assert.Equal("no suitable node: 2 nodes; 1 not node n2, 1 lacks memory (need 128MiB, free 64MiB)", plan.Unplaced.Single().Reason);
    }

    [Fact]
    public void Plan_InvalidConstraintInTask_UnplacedWithParseError()
    {
        var plan = Scheduler.Plan([Node("n1")], [], [Pending("s", 1, constraints: ["zone=a"])]);

        Assert.Contains("invalid constraint \"zone=a\"", plan.Unplaced.Single().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_NoNodes_SaysSo()
    {
        var plan = Scheduler.Plan([], [], [Pending("s", 1)]);
        Assert.Equal("no suitable node: 0 nodes", plan.Unplaced.Single().Reason);
    }
}
