using Orch.Api.V1.Objects;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Tests.Orchestration;

public sealed class ReplicatedOrchestratorTests
{
    [Fact]
    public async Task CreateThreeReplicas_OneRunningTaskPerNode()
    {
        await using var o = new Orchestra();
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await o.AddNodeAsync(n);
        }

        await o.CreateServiceAsync(Orchestra.Spec("web"));

        await o.WaitAsync("web", () => o.Running("web").Count == 3, "3 tasks running");
        Assert.Equal(new[] { "n1", "n2", "n3" }, o.Running("web").Select(t => t.NodeId).Order());
        Assert.Equal(new ulong[] { 1, 2, 3 }, o.Running("web").Select(t => t.Slot).Order());
    }

    [Fact]
    public async Task Scale3To10To2_SlotsFollowAndHistoryOfRemovedSlotsGoes()
    {
        await using var o = new Orchestra();
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await o.AddNodeAsync(n);
        }
        await o.CreateServiceAsync(Orchestra.Spec("web"));
        await o.WaitAsync("web", () => o.Running("web").Count == 3, "3 tasks running");

        await o.UpdateServiceAsync("web", s => s.Replicas = 10);
        await o.WaitAsync("web", () => o.Running("web").Count == 10, "10 tasks running");
        var perNode = o.Running("web").GroupBy(t => t.NodeId).Select(g => g.Count()).ToList();
        Assert.True(perNode.Max() - perNode.Min() <= 1, $"unbalanced: {o.Describe("web")}");
        Assert.Null(o.Service("web").UpdateStatus); // scaling is not an update

        await o.UpdateServiceAsync("web", s => s.Replicas = 2);
        await o.WaitAsync("web", () => o.Runnable("web").Count == 2 && o.Tasks("web").Count == 2, "2 tasks left, the rest removed");
        await o.SettleAsync();
        Assert.Equal(new ulong[] { 1, 2 }, o.Running("web").Select(t => t.Slot).Order());
    }

    [Fact]
    public async Task ServiceRemoved_TasksShutDownThenRemoved()
    {
        await using var o = new Orchestra();
        await o.AddNodeAsync("n1");
        var s = await o.CreateServiceAsync(Orchestra.Spec("web", replicas: 2));
        await o.WaitAsync("web", () => o.Running("web").Count == 2, "2 tasks running");

        await o.ApplyAsync(new Op { Remove = new RemoveOp { Kind = ObjectKind.Service, Id = s.Id } });

        await Eventually(() => o.Store.State.ListTasks().Count == 0, "tasks of the removed service are gone");
    }

    private static Task Eventually(Func<bool> condition, string what) =>
        Raft.Eventually.TrueAsync(condition, TimeSpan.FromSeconds(20), what);
}
