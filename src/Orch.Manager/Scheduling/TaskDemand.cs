using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Scheduling;

/// <summary>What one pending task asks of a node, parsed once per group of identical tasks.</summary>
internal sealed record TaskDemand(
    string ServiceId,
    string BoundNode,
    IReadOnlyList<Constraint> Constraints,
    long Memory,
    long NanoCpus,
    IReadOnlyList<(PortProtocol Protocol, uint Port)> HostPorts,
    ulong MaxReplicas,
    IReadOnlyList<string> SpreadLabels)
{
    private const string LabelPrefix = "node.labels.";

    /// <exception cref="FormatException">A constraint or preference of the task is not valid.</exception>
    public static TaskDemand Of(TaskObject task)
    {
        var placement = task.Spec?.Placement;
        var reservations = task.Spec?.Resources?.Reservations;
        return new TaskDemand(
            task.ServiceId,
            task.NodeId,
            Constraint.ParseAll(placement?.Constraints ?? []),
            reservations?.MemoryBytes ?? 0,
            reservations?.NanoCpus ?? 0,
            NodeInfo.HostPortsOf(task).ToList(),
            placement?.MaxReplicas ?? 0,
            (placement?.Preferences ?? []).Select(p => SpreadLabel(p.SpreadDescriptor)).ToList());
    }

    /// <summary>The label name of a `node.labels.X` spread descriptor.</summary>
    /// <exception cref="FormatException">Not of that form.</exception>
    public static string SpreadLabel(string descriptor) =>
        descriptor.StartsWith(LabelPrefix, StringComparison.Ordinal) && descriptor.Length > LabelPrefix.Length
            ? descriptor[LabelPrefix.Length..]
            : throw new FormatException($"invalid placement preference \"spread={descriptor}\": expected spread=node.labels.NAME");
}
