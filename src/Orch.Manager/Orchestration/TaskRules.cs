using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Orchestration;

/// <summary>The shared vocabulary of the loops: what counts as runnable, finished, dirty, ready.</summary>
internal static class TaskRules
{
    /// <summary>Desired to run: it occupies its slot (even when its process has ended).</summary>
    public static bool IsRunnable(TaskObject t) => t.DesiredState <= TaskState.Running;

    /// <summary>Its process has ended (or it never got to a node and never will).</summary>
    public static bool IsFinished(TaskObject t) => (t.Status?.State ?? TaskState.New) > TaskState.Running;

    /// <summary>Made from another template or endpoint than the service's current one.</summary>
    public static bool IsDirty(TaskObject t, Service s) =>
        !Equals(t.Spec, s.Spec.TaskTemplate) || !Equals(t.Endpoint ?? new EndpointSpec(), s.Spec.Endpoint ?? new EndpointSpec());

    /// <summary>
    /// Up for the rolling updater: RUNNING, and healthy when a health check is in effect (the
    /// agent reports TaskHealth; see objects.proto).
    /// </summary>
    public static bool IsReady(TaskObject t) =>
        t.Status?.State == TaskState.Running && t.Status.Health is TaskHealth.Unspecified or TaskHealth.Healthy;

    /// <summary>
    /// Key of the task's place: the slot (replicated) or the node (global, slot 0).
    /// </summary>
    public static string SlotKey(TaskObject t) => t.Slot != 0 ? t.Slot.ToString(System.Globalization.CultureInfo.InvariantCulture) : "node:" + t.NodeId;

    /// <summary>A new task for a slot (or bound to a node for global services), waiting for the scheduler.</summary>
    public static TaskObject NewTask(Service s, ulong slot, string nodeId, DateTimeOffset now) => new()
    {
        Id = ServiceIds.New(),
        ServiceId = s.Id,
        ServiceName = s.Spec.Name,
        Slot = slot,
        NodeId = nodeId,
        DesiredState = TaskState.Running,
        Status = new TaskStatus { State = TaskState.Pending, Message = "pending task scheduling", Timestamp = Timestamp.FromDateTimeOffset(now) },
        Spec = s.Spec.TaskTemplate?.Clone() ?? new TaskSpec(),
        SpecVersion = s.SpecVersion,
        Endpoint = s.Spec.Endpoint?.Clone() ?? new EndpointSpec(),
    };

    /// <summary>
    /// The task with desired state SHUTDOWN. One that never reached a node is also marked
    /// SHUTDOWN as observed, since no agent will ever report it.
    /// </summary>
    public static TaskObject Shutdown(TaskObject t, DateTimeOffset now, string why)
    {
        var s = t.Clone();
        s.DesiredState = TaskState.Shutdown;
        if ((s.Status?.State ?? TaskState.New) < TaskState.Assigned)
        {
            s.Status = new TaskStatus { State = TaskState.Shutdown, Message = why, Timestamp = Timestamp.FromDateTimeOffset(now) };
        }
        return s;
    }

    public static DateTimeOffset UpdatedAt(TaskObject t) => t.Meta?.UpdatedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;

    public static DateTimeOffset CreatedAt(TaskObject t) => t.Meta?.CreatedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
}
