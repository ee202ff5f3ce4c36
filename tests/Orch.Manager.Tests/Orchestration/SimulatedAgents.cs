using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Orch.Api.V1.Objects;
using Orch.Manager.Orchestration;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Tests.Orchestration;

/// <summary>
/// Stands in for the agents of every Ready node, through the store as the dispatcher would
/// write their reports: an ASSIGNED task desired to run becomes RUNNING (healthy when it has a
/// health check), or FAILED for an image in <see cref="FailingImages"/>; a task desired SHUTDOWN
/// is reported SHUTDOWN. Agents of Down nodes report nothing. Either automatic (a loop reacting
/// to every change) or stepped by hand (<see cref="StepAsync"/>) to hold tasks where a test wants them.
/// </summary>
internal sealed class SimulatedAgents(LocalStore store, ManualClock clock)
{
    private CancellationTokenSource? auto;
    private System.Threading.Tasks.Task? loop;

    public HashSet<string> FailingImages { get; } = new(StringComparer.Ordinal);

    public void StartAuto()
    {
        auto = new CancellationTokenSource();
        loop = new ReconcileLoop(store, clock, NullLogger.Instance, "agents", Decide).RunAsync(auto.Token);
    }

    public async System.Threading.Tasks.Task StopAutoAsync()
    {
        if (auto is not null)
        {
            await auto.CancelAsync();
            await loop!;
            auto.Dispose();
            auto = null;
        }
    }

    /// <summary>One round of reports from every agent.</summary>
    public async System.Threading.Tasks.Task StepAsync()
    {
        var d = Decide(store.ReadLocal(ClusterView.Of), clock.GetUtcNow());
        if (d.Ops.Count > 0)
        {
            var command = new Command();
            command.Ops.AddRange(d.Ops);
            var result = await store.ProposeAsync(command, CancellationToken.None);
            Assert.Equal(CommandErrorCode.None, result.Error);
        }
    }

    private Decision Decide(ClusterView view, DateTimeOffset now)
    {
        var d = new Decision();
        var stamp = Timestamp.FromDateTimeOffset(now);
        foreach (var t in view.Tasks)
        {
            if (!view.Nodes.TryGetValue(t.NodeId, out var node) || node.Status.State != NodeState.Ready)
            {
                continue;
            }
            var observed = t.Status.State;
            if (t.DesiredState <= TaskState.Running && observed is >= TaskState.Assigned and < TaskState.Running)
            {
                var next = t.Clone();
                var container = new ContainerStatus { ContainerId = "c-" + t.Id, StartedAt = stamp };
                next.Status = FailingImages.Contains(t.Spec.Container.Image)
                    ? new TaskStatus { State = TaskState.Failed, Message = "started", Error = "task: non-zero exit (1)", Timestamp = stamp, Container = container }
                    : new TaskStatus
                    {
                        State = TaskState.Running, Message = "started", Timestamp = stamp, Container = container,
                        Health = t.Spec.Container.Healthcheck?.Test.Count > 0 ? TaskHealth.Healthy : TaskHealth.Unspecified,
                    };
                next.Status.Container.ExitCode = next.Status.State == TaskState.Failed ? 1 : 0;
                d.Update(next);
            }
            else if (t.DesiredState > TaskState.Running && observed is >= TaskState.Assigned and <= TaskState.Running)
            {
                var next = t.Clone();
                next.Status = new TaskStatus { State = TaskState.Shutdown, Message = "shutdown", Timestamp = stamp, Container = t.Status.Container };
                d.Update(next);
            }
        }
        return d;
    }
}
