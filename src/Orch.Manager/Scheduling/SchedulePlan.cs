namespace Orch.Manager.Scheduling;

/// <summary>A pending task placed on a node.</summary>
internal sealed record Assignment(string TaskId, string NodeId);

/// <summary>A pending task that fits nowhere, and why (with numbers).</summary>
internal sealed record Unplaced(string TaskId, string Reason);

/// <summary>The scheduler's decisions for one pass; the loop turns them into one command.</summary>
internal sealed record SchedulePlan(IReadOnlyList<Assignment> Assignments, IReadOnlyList<Unplaced> Unplaced);
