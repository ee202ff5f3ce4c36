using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Orch.Api.V1.Objects;
using Orch.Manager.Orchestration;
using Orch.Manager.State;
using Task = System.Threading.Tasks.Task;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Scheduling;

/// <summary>
/// Leader-only loop: every PENDING task desired to run goes through <see cref="Scheduler"/>;
/// placed ones become ASSIGNED with their node, the others keep PENDING with the reason in
/// status.error (written only when it changes). Every store change (a node joining, a task
/// ending) triggers a new pass, so a task is placed as soon as capacity appears. All pending
/// tasks of a pass are planned together (batching, as Swarm's).
/// </summary>
internal sealed class SchedulerLoop(IReplicatedStore store, TimeProvider time, ILogger<SchedulerLoop> logger)
{
    public Task RunAsync(CancellationToken ct) => new ReconcileLoop(store, time, logger, "scheduler", Decide).RunAsync(ct);

    public static Decision Decide(ClusterView view, DateTimeOffset now)
    {
        var d = new Decision();
        var pending = view.Tasks.Where(t => t.DesiredState <= TaskState.Running && t.Status?.State == TaskState.Pending
            && view.Services.ContainsKey(t.ServiceId)).ToList();
        if (pending.Count == 0)
        {
            return d;
        }
        var plan = Scheduler.Plan(view.Nodes.Values.ToList(), view.Tasks, pending);
        var byId = pending.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var stamp = Timestamp.FromDateTimeOffset(now);
        foreach (var a in plan.Assignments)
        {
            var t = byId[a.TaskId].Clone();
            t.NodeId = a.NodeId;
            t.Status = new TaskStatus { State = TaskState.Assigned, Message = "assigned", Timestamp = stamp };
            d.Update(t);
        }
        foreach (var u in plan.Unplaced)
        {
            var t = byId[u.TaskId];
            if (t.Status.Error != u.Reason)
            {
                var waiting = t.Clone();
                waiting.Status = new TaskStatus { State = TaskState.Pending, Message = "pending task scheduling", Error = u.Reason, Timestamp = stamp };
                d.Update(waiting);
            }
        }
        return d;
    }
}
