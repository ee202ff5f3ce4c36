using Orch.Api.V1.Objects;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Tests.Orchestration;

public sealed class GlobalOrchestratorTests
{
    [Fact]
    public async Task GlobalOnThreeNodes_FourthJoiningGetsOne_DrainedLosesIt()
    {
        await using var o = new Orchestra();
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await o.AddNodeAsync(n);
        }
        var spec = Orchestra.Spec("agent", replicas: null);
        spec.Mode = ServiceMode.Global;
        await o.CreateServiceAsync(spec);
        await o.WaitAsync("agent", () => o.Running("agent").Count == 3, "one task per node");
        Assert.Equal(new[] { "n1", "n2", "n3" }, o.Running("agent").Select(t => t.NodeId).Order());

        await o.AddNodeAsync("n4");
        await o.WaitAsync("agent", () => o.Running("agent").Count == 4, "the joining node gets a task");

        await o.ChangeNodeAsync("n2", n => n.Spec.Availability = NodeAvailability.Drain);
        await o.WaitAsync("agent", () => o.Runnable("agent").Select(t => t.NodeId).Order().SequenceEqual(["n1", "n3", "n4"]),
            "the drained node's task is shut down");
        await o.WaitAsync("agent", () => o.Tasks("agent").Single(t => t.NodeId == "n2").Status.State == TaskState.Shutdown,
            "the agent of the drained node stopped it");
    }

    [Fact]
    public async Task GlobalWithConstraint_OnlyMatchingNodes()
    {
        await using var o = new Orchestra();
        await o.AddNodeAsync("n1", labels: ("ssd", "yes"));
        await o.AddNodeAsync("n2");
        var spec = Orchestra.Spec("db", replicas: null);
        spec.Mode = ServiceMode.Global;
        spec.TaskTemplate.Placement = new Placement { Constraints = { "node.labels.ssd==yes" } };
        await o.CreateServiceAsync(spec);

        await o.WaitAsync("db", () => o.Running("db").Count == 1, "one task on the ssd node");
        await o.SettleAsync();
        Assert.Equal("n1", o.Runnable("db").Single().NodeId);
    }
}
