using Orch.Api.V1.Objects;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Tests.Orchestration;

public sealed class NodeFailureTests
{
    [Fact]
    public async Task NodeDown_TasksRescheduled_NodeBack_StaleTasksShutDown_NeverAboveReplicas()
    {
        await using var o = new Orchestra();
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await o.AddNodeAsync(n);
        }
        await o.CreateServiceAsync(Orchestra.Spec("web"));
        await o.WaitAsync("web", () => o.Running("web").Count == 3, "3 running");
        var lost = o.Running("web").Single(t => t.NodeId == "n1");

        await o.ChangeNodeAsync("n1", n => n.Status.State = NodeState.Down);
        await o.WaitAsync("web", () => o.Running("web").Count == 3 && o.Running("web").All(t => t.NodeId != "n1"),
            "3 running on the nodes left");
        Assert.Equal(lost.Slot, o.Running("web").Single(t => t.Id != lost.Id && t.Slot == lost.Slot).Slot);
        Assert.Equal(TaskState.Running, o.Tasks("web").Single(t => t.Id == lost.Id).Status.State); // n1 said nothing yet

        await o.ChangeNodeAsync("n1", n => n.Status.State = NodeState.Ready);
        await o.WaitAsync("web", () => o.Tasks("web").Single(t => t.Id == lost.Id).Status.State == TaskState.Shutdown,
            "the returning node's stale task is shut down");
        await o.SettleAsync();
        Assert.Equal(3, o.Runnable("web").Count);
        Assert.Equal(3, o.Tasks("web").Count(t => t.Status.State == TaskState.Running));
    }

    [Fact]
    public async Task Drain_MovesOneSlotAtATime_EachReplacementRunningFirst()
    {
        await using var o = new Orchestra(autoAgents: false);
        await o.AddNodeAsync("n1");
        await o.AddNodeAsync("n2");
        await o.CreateServiceAsync(Orchestra.Spec("web", replicas: 4));
        await o.WaitAsync("web", () => o.Runnable("web").Count(t => t.Status.State == TaskState.Assigned) == 4, "4 assigned");
        await o.Agents.StepAsync();
        Assert.Equal(2, o.Running("web").Count(t => t.NodeId == "n1"));
        await o.AddNodeAsync("n3");
        await o.AddNodeAsync("n4");

        await o.ChangeNodeAsync("n1", n => n.Spec.Availability = NodeAvailability.Drain);

        for (var moved = 1; moved <= 2; moved++)
        {
            await o.WaitAsync("web", () => o.Runnable("web").Count(t => t.NodeId == "n1") == 2 - moved
                && o.Runnable("web").Count(t => t.Status.State == TaskState.Assigned) == 1, $"slot {moved} moving");
            await o.SettleAsync();
            // Only one slot moves; the other task on n1 waits until the replacement runs.
            Assert.Equal(2 - moved, o.Runnable("web").Count(t => t.NodeId == "n1"));
            Assert.NotEqual("n1", o.Runnable("web").Single(t => t.Status.State == TaskState.Assigned).NodeId);
            await o.Agents.StepAsync();
        }
        await o.WaitAsync("web", () => o.Running("web").Count == 4 && o.Runnable("web").All(t => t.NodeId != "n1"), "all off n1");
    }
}
