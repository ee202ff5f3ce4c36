using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Tests.Orchestration;

public sealed class RollingUpdaterTests
{
    private static async Task<Orchestra> StartAsync(bool autoAgents, ulong replicas = 3, Action<ServiceSpec>? configure = null)
    {
        var o = new Orchestra(autoAgents);
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await o.AddNodeAsync(n);
        }
        var spec = Orchestra.Spec("web", replicas: replicas);
        configure?.Invoke(spec);
        await o.CreateServiceAsync(spec);
        if (!autoAgents)
        {
            await o.WaitAsync("web", () => o.Runnable("web").Count(t => t.Status.State == TaskState.Assigned) == (int)replicas, "assigned");
            await o.Agents.StepAsync();
        }
        await o.WaitAsync("web", () => o.Running("web").Count == (int)replicas, "running v1");
        return o;
    }

    private static int Running(Orchestra o, string image) => o.Running("web").Count(t => t.Spec.Container.Image == image);

    private static UpdateState State(Orchestra o) => o.Service("web").UpdateStatus?.State ?? UpdateState.Unknown;

    [Fact]
    public async Task Parallelism1Delay10s_OneSlotPerDelay_ThenCompletedAfterMonitor()
    {
        await using var o = await StartAsync(autoAgents: true, configure: s =>
            s.UpdateConfig = new UpdateConfig { Parallelism = 1, Delay = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)) });

        await o.UpdateServiceAsync("web", s => s.TaskTemplate.Container.Image = "app:v2");

        for (var done = 1; done <= 3; done++)
        {
            await o.WaitAsync("web", () => Running(o, "app:v2") == done, $"{done} v2 running");
            await o.SettleAsync();
            Assert.Equal(done, Running(o, "app:v2")); // the delay holds the next slot
            Assert.Equal(3, o.Running("web").Count);
            Assert.Equal(UpdateState.Updating, State(o));
            o.Clock.Advance(TimeSpan.FromSeconds(10));
        }
        await o.WaitAsync("web", () => State(o) == UpdateState.Completed, "completed after the monitor period");
        Assert.Equal("update completed", o.Service("web").UpdateStatus.Message);
    }

    [Fact]
    public async Task Parallelism2_TwoSlotsAtOnce()
    {
        await using var o = await StartAsync(autoAgents: false, configure: s => s.UpdateConfig = new UpdateConfig { Parallelism = 2 });

        await o.UpdateServiceAsync("web", s => s.TaskTemplate.Container.Image = "app:v2");

        await o.WaitAsync("web", () => o.Runnable("web").Count(t => t.Spec.Container.Image == "app:v2" && t.Status.State == TaskState.Assigned) == 2,
            "two v2 tasks assigned");
        await o.SettleAsync();
        Assert.Single(o.Runnable("web"), t => t.Spec.Container.Image == "app:v1"); // stop-first: two old ones stopped, one left
        await o.Agents.StepAsync();
        await o.WaitAsync("web", () => o.Runnable("web").All(t => t.Spec.Container.Image == "app:v2"), "third slot started");
        await o.Agents.StepAsync();
        o.Clock.Advance(TimeSpan.FromSeconds(5));
        await o.WaitAsync("web", () => State(o) == UpdateState.Completed && Running(o, "app:v2") == 3, "completed");
    }

    [Fact]
    public async Task StartFirst_NewTaskRunsBeforeOldStops()
    {
        await using var o = await StartAsync(autoAgents: false, replicas: 1, configure: s =>
            s.UpdateConfig = new UpdateConfig { Order = UpdateOrder.StartFirst });
        var old = o.Running("web").Single();

        await o.UpdateServiceAsync("web", s => s.TaskTemplate.Container.Image = "app:v2");
        await o.WaitAsync("web", () => o.Runnable("web").Count == 2, "the new task is created next to the old one");
        await o.SettleAsync();
        Assert.Equal(TaskState.Running, o.Tasks("web").Single(t => t.Id == old.Id).Status.State);
        Assert.Equal(TaskState.Running, o.Tasks("web").Single(t => t.Id == old.Id).DesiredState);

        await o.Agents.StepAsync(); // the new one runs: both run now (overlap)
        await o.WaitAsync("web", () => o.Tasks("web").Single(t => t.Id == old.Id).DesiredState == TaskState.Shutdown, "old one stopped after");
        await o.Agents.StepAsync();
        Assert.Equal("app:v2", o.Running("web").Single().Spec.Container.Image);
    }

    [Fact]
    public async Task FailingImage_FailureActionRollback_BackOnPreviousImageWithReason()
    {
        await using var o = await StartAsync(autoAgents: true, configure: s =>
            s.UpdateConfig = new UpdateConfig { FailureAction = UpdateFailureAction.Rollback });
        o.Agents.FailingImages.Add("app:bad");

        await o.UpdateServiceAsync("web", s => s.TaskTemplate.Container.Image = "app:bad");

        await o.WaitAsync("web", () => State(o) is UpdateState.RollbackStarted or UpdateState.RollbackCompleted, "rollback started");
        var message = o.Service("web").UpdateStatus.Message;
        Assert.StartsWith("update rolled back due to failure or early termination of task ", message, StringComparison.Ordinal);
        Assert.EndsWith(": task: non-zero exit (1)", message, StringComparison.Ordinal);
        Assert.Equal("app:v1", o.Service("web").Spec.TaskTemplate.Container.Image);
        await o.WaitAsync("web", () => Running(o, "app:v1") == 3 && o.Runnable("web").All(t => t.Spec.Container.Image == "app:v1"), "back on v1");
        o.Clock.Advance(TimeSpan.FromSeconds(5));
        await o.WaitAsync("web", () => State(o) == UpdateState.RollbackCompleted, "rollback completed");
        Assert.Single(o.Tasks("web"), t => t.Spec.Container.Image == "app:bad"); // parallelism 1: only one slot tried it
    }

    [Fact]
    public async Task FailingImage_DefaultPause_PausedWithReason()
    {
        await using var o = await StartAsync(autoAgents: true);
        o.Agents.FailingImages.Add("app:bad");

        await o.UpdateServiceAsync("web", s => s.TaskTemplate.Container.Image = "app:bad");

        await o.WaitAsync("web", () => State(o) == UpdateState.Paused, "paused");
        Assert.StartsWith("update paused due to failure or early termination of task ", o.Service("web").UpdateStatus.Message, StringComparison.Ordinal);
        await o.SettleAsync();
        Assert.Equal(2, Running(o, "app:v1")); // the other slots are left alone
    }

    [Fact]
    public async Task ManualRollback_ReturnsToPreviousSpec()
    {
        await using var o = await StartAsync(autoAgents: true);
        await o.UpdateServiceAsync("web", s => s.TaskTemplate.Container.Image = "app:v2");
        await o.WaitAsync("web", () => Running(o, "app:v2") == 3, "v2 running");
        o.Clock.Advance(TimeSpan.FromSeconds(5));
        await o.WaitAsync("web", () => State(o) == UpdateState.Completed, "update completed");

        await o.RollbackServiceAsync("web");

        Assert.Equal("manually requested rollback", o.Service("web").UpdateStatus.Message);
        await o.WaitAsync("web", () => Running(o, "app:v1") == 3 && o.Runnable("web").Count == 3, "v1 running again");
        o.Clock.Advance(TimeSpan.FromSeconds(5));
        await o.WaitAsync("web", () => State(o) == UpdateState.RollbackCompleted, "rollback completed");
        Assert.Equal("app:v2", o.Service("web").PreviousSpec.TaskTemplate.Container.Image);
    }

    [Fact]
    public async Task LeaderChangeMidUpdate_NewLoopsFinishIt()
    {
        await using var o = await StartAsync(autoAgents: false);
        await o.UpdateServiceAsync("web", s => s.TaskTemplate.Container.Image = "app:v2");
        await o.WaitAsync("web", () => o.Runnable("web").Count(t => t.Spec.Container.Image == "app:v2") == 1, "first slot replaced");
        await o.Agents.StepAsync();
        await o.WaitAsync("web", () => o.Runnable("web").Count(t => t.Spec.Container.Image == "app:v2") == 2, "second slot replaced");

        await o.StopLoopsAsync(); // the leader dies mid-update
        Assert.Equal(UpdateState.Updating, State(o));
        o.StartLoops(); // a new leader, same replicated state

        for (var i = 0; i < 3 && Running(o, "app:v2") < 3; i++)
        {
            await o.SettleAsync();
            await o.Agents.StepAsync();
        }
        o.Clock.Advance(TimeSpan.FromSeconds(5));
        await o.WaitAsync("web", () => State(o) == UpdateState.Completed && Running(o, "app:v2") == 3, "update completed by the new leader");
        Assert.Equal(3, o.Runnable("web").Count);
        Assert.Equal(3, o.Tasks("web").Count(t => t.Spec.Container.Image == "app:v2")); // no slot updated twice
    }
}
