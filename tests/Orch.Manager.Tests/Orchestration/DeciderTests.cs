using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Manager.Orchestration;
using Orch.Manager.Scheduling;
using ContainerSpec = Orch.Api.V1.Objects.ContainerSpec;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Tests.Orchestration;

/// <summary>The pure deciders on plain objects: no store, no loop, no clock but a value.</summary>
public sealed class DeciderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static Service Service(string image = "app:v1", ulong replicas = 3, UpdateConfig? update = null, UpdateStatus? status = null)
    {
        var spec = new ServiceSpec
        {
            Name = "web",
            Replicas = replicas,
            TaskTemplate = new TaskSpec { Container = new ContainerSpec { Image = image } },
            UpdateConfig = update,
        };
        return new Service { Id = "s", Spec = ServiceDefaults.Fill(spec), SpecVersion = 1, UpdateStatus = status };
    }

    private static TaskObject Task(Service s, string id, ulong slot, string image, TaskState observed, DateTimeOffset at,
        TaskState desired = TaskState.Running, string node = "n1")
    {
        var t = TaskRules.NewTask(s, slot, node, at);
        t.Id = id;
        t.Spec.Container.Image = image;
        t.DesiredState = desired;
        t.Status = new TaskStatus { State = observed };
        t.Meta = new Meta { CreatedAt = Timestamp.FromDateTimeOffset(at), UpdatedAt = Timestamp.FromDateTimeOffset(at) };
        return t;
    }

    private static ClusterView View(Service s, params TaskObject[] tasks) =>
        new([Scheduling.SchedulingFixtures.Node("n1")], [s], tasks, null);

    private static UpdateStatus Updating(DateTimeOffset started) =>
        new() { State = UpdateState.Updating, StartedAt = Timestamp.FromDateTimeOffset(started) };

    [Fact]
    public void Replicated_MissingSlotsAndExtraSlots_CreatedAndShutDown()
    {
        var s = Service(replicas: 2);
        var view = View(s, Task(s, "a", 1, "app:v1", TaskState.Running, T0), Task(s, "c", 3, "app:v1", TaskState.Running, T0));

        var d = ReplicatedReconciler.Decide(view, T0);

        Assert.Equal(2ul, Assert.Single(d.Ops, o => o.Create is not null).Create.Object.Task.Slot);
        var shut = Assert.Single(d.Ops, o => o.Update is not null).Update.Object.Task;
        Assert.Equal(("c", TaskState.Shutdown), (shut.Id, shut.DesiredState));
    }

    [Fact]
    public void Restart_BeforeDelay_OnlyAWakeUpAtTheDueTime()
    {
        var s = Service(replicas: 1);
        var failed = Task(s, "a", 1, "app:v1", TaskState.Failed, T0);

        var early = RestartDecider.Decide(View(s, failed), T0 + TimeSpan.FromSeconds(2));
        var due = RestartDecider.Decide(View(s, failed), T0 + TimeSpan.FromSeconds(5));

        Assert.Empty(early.Ops);
        Assert.Equal(T0 + TimeSpan.FromSeconds(5), early.WakeAt);
        Assert.Equal(2, due.Ops.Count);
        Assert.Single(due.Ops.Single(o => o.Create is not null).Create.Object.Task.RestartHistory);
    }

    [Fact]
    public void Restart_HistoryOutsideWindow_DoesNotCount()
    {
        var s = Service(replicas: 1);
        s.Spec.TaskTemplate.RestartPolicy.MaxAttempts = 1;
        s.Spec.TaskTemplate.RestartPolicy.Window = Duration.FromTimeSpan(TimeSpan.FromMinutes(1));
        var failed = Task(s, "a", 1, "app:v1", TaskState.Failed, T0);
        failed.Spec = s.Spec.TaskTemplate.Clone();
        failed.RestartHistory.Add(Timestamp.FromDateTimeOffset(T0 - TimeSpan.FromSeconds(30)));

        Assert.Empty(RestartDecider.Decide(View(s, failed), T0 + TimeSpan.FromSeconds(10)).Ops); // 1 attempt in the window
        Assert.Equal(2, RestartDecider.Decide(View(s, failed), T0 + TimeSpan.FromSeconds(40)).Ops.Count); // it left the window
    }

    [Fact]
    public void Update_NotStamped_StampsStartFirst()
    {
        var s = Service(status: new UpdateStatus { State = UpdateState.Updating });
        var d = UpdatePlanner.Decide(View(s), s, T0);
        Assert.Equal(T0, Assert.Single(d.Ops).Update.Object.Service.UpdateStatus.StartedAt.ToDateTimeOffset());
    }

    [Fact]
    public void Update_Parallelism2_ReplacesTwoDirtySlotsStopFirst()
    {
        var s = Service("app:v2", update: new UpdateConfig { Parallelism = 2 }, status: Updating(T0));
        var view = View(s,
            Task(s, "a", 1, "app:v1", TaskState.Running, T0 - TimeSpan.FromMinutes(1)),
            Task(s, "b", 2, "app:v1", TaskState.Running, T0 - TimeSpan.FromMinutes(1)),
            Task(s, "c", 3, "app:v1", TaskState.Running, T0 - TimeSpan.FromMinutes(1)));

        var d = UpdatePlanner.Decide(view, s, T0);

        Assert.Equal(new ulong[] { 1, 2 }, d.Ops.Where(o => o.Create is not null).Select(o => o.Create.Object.Task.Slot));
        Assert.Equal(new[] { "a", "b" }, d.Ops.Where(o => o.Update is not null).Select(o => o.Update.Object.Task.Id));
    }

    [Fact]
    public void Update_SlotInFlight_WaitsForIt()
    {
        var s = Service("app:v2", update: new UpdateConfig { Parallelism = 1 }, status: Updating(T0));
        var view = View(s,
            Task(s, "new1", 1, "app:v2", TaskState.Assigned, T0),
            Task(s, "b", 2, "app:v1", TaskState.Running, T0 - TimeSpan.FromMinutes(1)));

        Assert.Empty(UpdatePlanner.Decide(view, s, T0 + TimeSpan.FromSeconds(1)).Ops);
    }

    [Fact]
    public void Update_NewTaskUnhealthyStarting_NotCountedAsUpdated()
    {
        var s = Service("app:v2", replicas: 1, status: Updating(T0));
        var starting = Task(s, "new1", 1, "app:v2", TaskState.Running, T0);
        starting.Status.Health = TaskHealth.Starting;

        var d = UpdatePlanner.Decide(View(s, starting), s, T0 + TimeSpan.FromMinutes(1));

        Assert.Empty(d.Ops); // not COMPLETED while the health check has not passed
    }

    [Fact]
    public void Update_FailureBeyondRatio_RollbackSwapsSpecWithReason()
    {
        var s = Service("app:bad", replicas: 4,
            update: new UpdateConfig { FailureAction = UpdateFailureAction.Rollback, MaxFailureRatio = 0.2f }, status: Updating(T0));
        s.PreviousSpec = Service("app:v1").Spec;
        var failed = Task(s, "bad1", 1, "app:bad", TaskState.Failed, T0 + TimeSpan.FromSeconds(1));
        failed.Status.Error = "exit 1";

        var next = Assert.Single(UpdatePlanner.Decide(View(s, failed), s, T0 + TimeSpan.FromSeconds(2)).Ops).Update.Object.Service;

        Assert.Equal("app:v1", next.Spec.TaskTemplate.Container.Image);
        Assert.Equal(UpdateState.RollbackStarted, next.UpdateStatus.State);
        Assert.Equal("update rolled back due to failure or early termination of task bad1: exit 1", next.UpdateStatus.Message);
    }

    [Fact]
    public void Update_FailureWithinRatio_Continues()
    {
        var s = Service("app:v2", replicas: 4, update: new UpdateConfig { MaxFailureRatio = 0.5f, Parallelism = 0 }, status: Updating(T0));
        var failed = Task(s, "f", 1, "app:v2", TaskState.Failed, T0 + TimeSpan.FromSeconds(1));
        var old = Task(s, "o", 2, "app:v1", TaskState.Running, T0 - TimeSpan.FromMinutes(1));

        var d = UpdatePlanner.Decide(View(s, failed, old), s, T0 + TimeSpan.FromSeconds(2));

        Assert.Contains(d.Ops, o => o.Create?.Object.Task.Slot == 2);
    }

    [Fact]
    public void Update_AllDone_CompletedOnlyAfterMonitor()
    {
        var s = Service("app:v2", replicas: 1, status: Updating(T0));
        var ready = Task(s, "n", 1, "app:v2", TaskState.Running, T0 + TimeSpan.FromSeconds(1));

        var during = UpdatePlanner.Decide(View(s, ready), s, T0 + TimeSpan.FromSeconds(3));
        var after = UpdatePlanner.Decide(View(s, ready), s, T0 + TimeSpan.FromSeconds(6));

        Assert.Empty(during.Ops);
        Assert.Equal(T0 + TimeSpan.FromSeconds(6), during.WakeAt);
        Assert.Equal(UpdateState.Completed, Assert.Single(after.Ops).Update.Object.Service.UpdateStatus.State);
    }

    [Fact]
    public void Reaper_KeepsHistoryLimitPerSlot_OldestGoFirst()
    {
        var s = Service(replicas: 1);
        var tasks = Enumerable.Range(0, 7).Select(i => Task(s, $"t{i}", 1, "app:v1", TaskState.Failed, T0 + TimeSpan.FromSeconds(i), TaskState.Shutdown)).ToList();
        tasks.Add(Task(s, "current", 1, "app:v1", TaskState.Running, T0 + TimeSpan.FromMinutes(1)));

        var removed = TaskReaperDecider.Decide(View(s, [.. tasks]), T0).Ops.Select(o => o.Remove.Id).Order();

        Assert.Equal(new[] { "t0", "t1", "t2" }, removed); // 5 kept: the current one and the 4 newest ended ones
    }
}
