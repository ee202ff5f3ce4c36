using System.Diagnostics;
using System.Globalization;
using Orch.Api.V1.Objects;
using Orch.Manager.Scheduling;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Bench;

/// <summary>
/// Plans TASKS pending tasks (10 services, with reservations, a constraint and a spread
/// preference on half of them) onto NODES nodes in one pass, as the scheduler loop does after a
/// big scale-up. Goal (issue 5): 10,000 tasks onto 100 nodes in under 1 s.
/// </summary>
internal static class SchedulerBench
{
    public static void Run(string[] args)
    {
        var taskCount = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var nodeCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var nodes = Enumerable.Range(0, nodeCount).Select(i => new Node
        {
            Id = $"node{i:D4}",
            Spec = new NodeSpec { Availability = NodeAvailability.Active, Labels = { ["zone"] = $"z{i % 3}" } },
            Description = new NodeDescription
            {
                Hostname = $"host{i}",
                Resources = new NodeResources { NanoCpus = 64_000_000_000, MemoryBytes = 256L << 30 },
            },
            Status = new NodeStatus { State = NodeState.Ready },
        }).ToList();
        var pending = Enumerable.Range(0, taskCount).Select(i =>
        {
            var service = i % 10;
            var spec = new TaskSpec
            {
                Container = new ContainerSpec { Image = "app:v1" },
                Resources = new ResourceRequirements { Reservations = new Resources { MemoryBytes = 16L << 20, NanoCpus = 10_000_000 } },
                Placement = new Placement(),
            };
            if (service % 2 == 0)
            {
                spec.Placement.Constraints.Add("node.labels.zone!=none");
                spec.Placement.Preferences.Add(new PlacementPreference { SpreadDescriptor = "node.labels.zone" });
            }
            return new TaskObject
            {
                Id = $"task{i:D6}",
                ServiceId = $"svc{service}",
                Slot = (ulong)(i / 10 + 1),
                SpecVersion = 1,
                DesiredState = TaskState.Running,
                Status = new TaskStatus { State = TaskState.Pending },
                Spec = spec,
            };
        }).ToList();

        Scheduler.Plan(nodes.Take(3).ToList(), [], pending.Take(30).ToList()); // JIT warm-up
        var clock = Stopwatch.StartNew();
        var plan = Scheduler.Plan(nodes, [], pending);
        clock.Stop();
        var perNode = plan.Assignments.GroupBy(a => a.NodeId).Select(g => g.Count()).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"scheduler: {taskCount} tasks onto {nodeCount} nodes in {clock.Elapsed.TotalMilliseconds:0} ms " +
            $"(goal < 1000 ms, ratio {clock.Elapsed.TotalMilliseconds / 1000:0.00}); placed {plan.Assignments.Count}, " +
            $"unplaced {plan.Unplaced.Count}, tasks per node {perNode.DefaultIfEmpty().Min()}..{perNode.DefaultIfEmpty().Max()}"));
    }
}
