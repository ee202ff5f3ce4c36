using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Tests.Scheduling;

/// <summary>Plain nodes and tasks for scheduler tests.</summary>
internal static class SchedulingFixtures
{
    public const long MiB = 1024 * 1024;

    public static Node Node(string id, long memory = 4096 * MiB, long nanoCpus = 4_000_000_000,
        NodeAvailability availability = NodeAvailability.Active, NodeState state = NodeState.Ready,
        NodeRole role = NodeRole.Worker, params (string Key, string Value)[] labels)
    {
        var node = new Node
        {
            Id = id,
            Spec = new NodeSpec { Role = role, Availability = availability },
            Description = new NodeDescription
            {
                Hostname = "host-" + id,
                Resources = new NodeResources { MemoryBytes = memory, NanoCpus = nanoCpus },
            },
            Status = new NodeStatus { State = state },
        };
        foreach (var (k, v) in labels)
        {
            node.Spec.Labels[k] = v;
        }
        return node;
    }

    public static TaskObject Pending(string service, ulong slot, long memory = 0, string[]? constraints = null,
        ulong maxReplicas = 0, string[]? spread = null, uint hostPort = 0, string node = "")
    {
        var spec = new TaskSpec
        {
            Container = new ContainerSpec { Image = "app:v1" },
            Resources = new ResourceRequirements { Reservations = new Resources { MemoryBytes = memory } },
            Placement = new Placement { MaxReplicas = maxReplicas },
        };
        spec.Placement.Constraints.AddRange(constraints ?? []);
        spec.Placement.Preferences.AddRange((spread ?? []).Select(s => new PlacementPreference { SpreadDescriptor = s }));
        var task = new TaskObject
        {
            Id = $"{service}.{slot}",
            ServiceId = service,
            Slot = slot,
            NodeId = node,
            SpecVersion = 1,
            DesiredState = TaskState.Running,
            Status = new TaskStatus { State = TaskState.Pending },
            Spec = spec,
            Endpoint = new EndpointSpec(),
        };
        if (hostPort != 0)
        {
            task.Endpoint.Ports.Add(new PortConfig { TargetPort = 80, PublishedPort = hostPort, PublishMode = PublishMode.Host });
        }
        return task;
    }

    public static TaskObject Running(TaskObject pending, string node)
    {
        var t = pending.Clone();
        t.NodeId = node;
        t.Status = new TaskStatus { State = TaskState.Running };
        return t;
    }
}
