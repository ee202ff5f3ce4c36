namespace Orch.Chaos.Tests.Checking;

/// <summary>A node as one manager reports it.</summary>
public sealed record NodeView(string Id, string Hostname, bool Ready, IReadOnlyDictionary<string, string> Labels);

/// <summary>A service as one manager reports it; <see cref="Register"/> is its chaos register label (null if absent).</summary>
public sealed record ServiceView(string Id, string Name, int Replicas, string? Register);

/// <summary>A task as one manager reports it; states as the proto enum names without prefix ("Running", "Shutdown").</summary>
public sealed record TaskView(string Id, string ServiceId, string NodeId, ulong Slot, string Desired, string Current)
{
    public bool DesiredRunning => Desired == "Running";
    public bool Running => Current == "Running";
}

/// <summary>Everything one manager answered after healing, read through its read barrier.</summary>
public sealed record ManagerView(int Manager, IReadOnlyList<NodeView> Nodes, IReadOnlyList<ServiceView> Services, IReadOnlyList<TaskView> Tasks);

/// <summary>A task container that the engine of node <see cref="Hostname"/> runs (container name SERVICE.SLOT.TASKID).</summary>
public sealed record RunningContainer(string Hostname, string ServiceName, string TaskId);

/// <summary>The state after healing: every manager's view and the task containers each machine's engine really runs.</summary>
public sealed record FinalState(IReadOnlyList<ManagerView> Managers, IReadOnlyList<RunningContainer> Containers);
