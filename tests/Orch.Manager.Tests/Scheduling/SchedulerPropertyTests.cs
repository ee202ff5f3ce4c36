using Orch.Api.V1.Objects;
using Orch.Manager.Scheduling;
using static Orch.Manager.Tests.Scheduling.SchedulingFixtures;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Tests.Scheduling;

/// <summary>
/// Seeded random property tests (CsCheck is not on the package feed): for many random clusters,
/// invariants that must hold for every plan. A failure prints the seed to replay it.
/// </summary>
public sealed class SchedulerPropertyTests
{
    private const int Runs = 200;

    private sealed record Case(List<Node> Nodes, List<TaskObject> Pending, ulong MaxReplicas, long Memory, string? Constraint);

    private static Case Generate(Random r)
    {
        var zones = new[] { "a", "b", "c" };
        var nodes = Enumerable.Range(0, r.Next(1, 12)).Select(i => Node(
            $"n{i:D2}",
            memory: r.Next(1, 9) * 256 * MiB,
            availability: r.Next(6) == 0 ? NodeAvailability.Drain : NodeAvailability.Active,
            state: r.Next(8) == 0 ? NodeState.Down : NodeState.Ready,
            labels: ("zone", zones[r.Next(zones.Length)]))).ToList();
        var max = (ulong)r.Next(0, 3);
        var memory = r.Next(3) * 256 * MiB;
        var constraint = r.Next(3) == 0 ? $"node.labels.zone=={zones[r.Next(zones.Length)]}" : null;
        var pending = Enumerable.Range(1, r.Next(1, 40)).Select(i => Pending("s", (ulong)i, memory: memory,
            maxReplicas: max, constraints: constraint is null ? [] : [constraint])).ToList();
        return new Case(nodes, pending, max, memory, constraint);
    }

    private static void ForAll(Action<Case, SchedulePlan> property)
    {
        for (var seed = 1; seed <= Runs; seed++)
        {
            var c = Generate(new Random(seed));
            var plan = Scheduler.Plan(c.Nodes, [], c.Pending);
            try
            {
                property(c, plan);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"property failed for seed {seed}: {e.Message}", e);
            }
        }
    }

    private static bool Eligible(Case c, Node n) =>
        n.Status.State == NodeState.Ready && n.Spec.Availability == NodeAvailability.Active
        && (c.Constraint is null || Constraint.Parse(c.Constraint).Matches(n))
        && n.Description.Resources.MemoryBytes >= c.Memory;

    [Fact]
    public void Plan_EveryPendingTask_PlacedOrExplainedOnce()
    {
        ForAll((c, plan) =>
        {
            var ids = plan.Assignments.Select(a => a.TaskId).Concat(plan.Unplaced.Select(u => u.TaskId)).Order().ToList();
            Assert.Equal(c.Pending.Select(t => t.Id).Order(), ids);
            Assert.All(plan.Unplaced, u => Assert.StartsWith("no suitable node: ", u.Reason, StringComparison.Ordinal));
        });
    }

    [Fact]
    public void Plan_Assignments_OnlyOnNodesPassingEveryFilter()
    {
        ForAll((c, plan) =>
        {
            var byId = c.Nodes.ToDictionary(n => n.Id);
            Assert.All(plan.Assignments, a => Assert.True(Eligible(c, byId[a.NodeId]), $"{a.NodeId} is not eligible"));
            foreach (var g in plan.Assignments.GroupBy(a => a.NodeId))
            {
                Assert.True(g.Count() * c.Memory <= byId[g.Key].Description.Resources.MemoryBytes, $"{g.Key} over-committed");
                Assert.True(c.MaxReplicas == 0 || (ulong)g.Count() <= c.MaxReplicas, $"{g.Key} above max replicas");
            }
        });
    }

    [Fact]
    public void Plan_WithoutLimits_SpreadIsBalanced()
    {
        ForAll((c, plan) =>
        {
            if (c.Memory != 0 || c.MaxReplicas != 0)
            {
                return;
            }
            var eligible = c.Nodes.Where(n => Eligible(c, n)).Select(n => n.Id).ToList();
            var counts = eligible.Select(id => plan.Assignments.Count(a => a.NodeId == id)).ToList();
            if (counts.Count > 0)
            {
                Assert.True(counts.Max() - counts.Min() <= 1, $"unbalanced: {string.Join(",", counts)}");
                Assert.Empty(plan.Unplaced);
            }
        });
    }

    [Fact]
    public void Plan_Unplaced_OnlyWhenNoEligibleNodeHasRoom()
    {
        ForAll((c, plan) =>
        {
            if (plan.Unplaced.Count == 0)
            {
                return;
            }
            var byId = c.Nodes.ToDictionary(n => n.Id);
            foreach (var n in c.Nodes.Where(n => Eligible(c, n)))
            {
                var placed = plan.Assignments.Count(a => a.NodeId == n.Id);
                var memoryFull = c.Memory > 0 && (placed + 1) * c.Memory > byId[n.Id].Description.Resources.MemoryBytes;
                var replicasFull = c.MaxReplicas > 0 && (ulong)placed >= c.MaxReplicas;
                Assert.True(memoryFull || replicasFull, $"{n.Id} had room but a task stayed pending");
            }
        });
    }

    [Fact]
    public void Plan_SameInput_SamePlan()
    {
        ForAll((c, plan) => Assert.Equal(plan.Assignments, Scheduler.Plan(c.Nodes, [], c.Pending).Assignments));
    }
}
