using Orch.Api.V1.Objects;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Tests.Orchestration;

public sealed class PlacementLoopTests
{
    [Fact]
    public async Task MaxOnePerNode_FourReplicasOnThreeNodes_OnePendingWithReason()
    {
        await using var o = new Orchestra();
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await o.AddNodeAsync(n);
        }
        var spec = Orchestra.Spec("web", replicas: 4);
        spec.TaskTemplate.Placement = new Placement { MaxReplicas = 1 };
        await o.CreateServiceAsync(spec);

        await o.WaitAsync("web", () => o.Running("web").Count == 3 && o.Runnable("web").Any(t => t.Status.Error.Length > 0),
            "3 running and one pending with a reason");
        var pending = o.Runnable("web").Single(t => t.Status.State == TaskState.Pending);
        Assert.Equal("no suitable node: 3 nodes; 3 have reached max replicas per node (1)", pending.Status.Error);
        Assert.Equal(3, o.Running("web").Select(t => t.NodeId).Distinct().Count());
    }

    [Fact]
    public async Task ReservationLargerThanAnyNode_PendingWithNumbers_PlacedWhenRoomyNodeJoins()
    {
        await using var o = new Orchestra();
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await o.AddNodeAsync(n, memory: 1024 * Orchestra.MiB);
        }
        var spec = Orchestra.Spec("big", replicas: 1);
        spec.TaskTemplate.Resources = new ResourceRequirements { Reservations = new Resources { MemoryBytes = 2048 * Orchestra.MiB } };
        await o.CreateServiceAsync(spec);

        await o.WaitAsync("big", () => o.Runnable("big").Any(t => t.Status.Error.Length > 0), "pending with a reason");
        Assert.Equal("no suitable node: 3 nodes; 3 lack memory (need 2GiB, free 1GiB)", o.Runnable("big").Single().Status.Error);

        await o.AddNodeAsync("roomy", memory: 4096 * Orchestra.MiB);
        await o.WaitAsync("big", () => o.Running("big").Count == 1, "placed on the roomy node");
        Assert.Equal("roomy", o.Running("big").Single().NodeId);
    }

    [Fact]
    public async Task PausedNode_TakesNoNewTasksButKeepsItsOwn()
    {
        await using var o = new Orchestra();
        await o.AddNodeAsync("n1");
        await o.AddNodeAsync("n2");
        await o.CreateServiceAsync(Orchestra.Spec("web", replicas: 2));
        await o.WaitAsync("web", () => o.Running("web").Count == 2, "2 running");

        await o.ChangeNodeAsync("n1", n => n.Spec.Availability = NodeAvailability.Pause);
        await o.UpdateServiceAsync("web", s => s.Replicas = 4);

        await o.WaitAsync("web", () => o.Running("web").Count == 4, "4 running");
        Assert.Single(o.Running("web"), t => t.NodeId == "n1");
    }
}
