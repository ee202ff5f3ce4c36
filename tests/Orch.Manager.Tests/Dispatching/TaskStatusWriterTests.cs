using Microsoft.Extensions.Logging.Abstractions;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.Dispatching;
using Orch.Manager.State;
using Orch.Manager.Tests.Orchestration;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Tests.Dispatching;

public sealed class TaskStatusWriterTests
{
    private static TaskObject Task(string id, string node = "n1", TaskState state = TaskState.Assigned) => new()
    {
        Id = id,
        ServiceId = "svc1",
        NodeId = node,
        DesiredState = TaskState.Running,
        Status = new TaskStatus { State = state },
    };

    private static TaskStatusUpdate Report(string id, TaskState state, string address = "")
    {
        var update = new TaskStatusUpdate { TaskId = id, Status = new TaskStatus { State = state, Message = state.ToString().ToLowerInvariant() } };
        if (address.Length > 0)
        {
            update.Addresses.Add(address);
        }
        return update;
    }

    private static LocalStore StoreWith(params TaskObject[] tasks)
    {
        var store = new LocalStore(TimeProvider.System);
        var create = new Command();
        create.Ops.AddRange(tasks.Select(t => new Op { Create = new CreateOp { Object = StoreObjects.Wrap(t) } }));
        Assert.Equal(CommandErrorCode.None, store.ProposeAsync(create, CancellationToken.None).Result.Error);
        return store;
    }

    [Fact]
    public void Fold_ReportsOfOneTask_LastStateWinsAndAddressKept()
    {
        var stored = new Dictionary<string, TaskObject> { ["a"] = Task("a"), ["b"] = Task("b") };
        var tasks = StatusBatch.Fold("n1",
            [Report("a", TaskState.Preparing), Report("b", TaskState.Preparing), Report("a", TaskState.Running, "10.88.1.2"),
             Report("a", TaskState.Running)],
            id => stored.GetValueOrDefault(id));

        Assert.Equal(["a", "b"], tasks.Select(t => t.Id));
        Assert.Equal(TaskState.Running, tasks[0].Status.State);
        Assert.Equal(["10.88.1.2"], tasks[0].Addresses);
        Assert.Equal(TaskState.Preparing, tasks[1].Status.State);
        Assert.Equal(TaskState.Assigned, stored["a"].Status.State); // the stored copy is not touched
    }

    [Fact]
    public void Fold_OtherNodesGoneAndLateReports_Ignored()
    {
        var stored = new Dictionary<string, TaskObject>
        {
            ["mine"] = Task("mine"),
            ["theirs"] = Task("theirs", node: "n2"),
            ["done"] = Task("done", state: TaskState.Shutdown),
        };
        var tasks = StatusBatch.Fold("n1",
            [Report("theirs", TaskState.Running), Report("gone", TaskState.Running), Report("done", TaskState.Running),
             Report("mine", TaskState.Starting)],
            id => stored.GetValueOrDefault(id));

        Assert.Equal(["mine"], tasks.Select(t => t.Id));
    }

    [Fact]
    public async System.Threading.Tasks.Task RunAsync_QueuedReports_WrittenInOneCommand()
    {
        var store = StoreWith(Task("a"), Task("b"), Task("c"));
        var counted = new CountingStore(store);
        var writer = new TaskStatusWriter(counted, "n1", NullLogger.Instance);
        foreach (var id in new[] { "a", "b", "c" })
        {
            writer.Enqueue(Report(id, TaskState.Preparing));
            writer.Enqueue(Report(id, TaskState.Starting));
            writer.Enqueue(Report(id, TaskState.Running, "10.88.1.9"));
        }
        writer.Complete();

        await writer.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, counted.Proposals); // nine reports, one write
        Assert.All(store.State.ListTasks(), t => Assert.Equal(TaskState.Running, t.Status.State));
        Assert.All(store.State.ListTasks(), t => Assert.Equal(["10.88.1.9"], t.Addresses));
    }

    [Fact]
    public async System.Threading.Tasks.Task RunAsync_TaskRemovedBeforeWrite_OthersStillWritten()
    {
        var store = StoreWith(Task("a"), Task("b"));
        var writer = new TaskStatusWriter(store, "n1", NullLogger.Instance);
        writer.Enqueue(Report("a", TaskState.Running));
        writer.Enqueue(Report("b", TaskState.Running));
        writer.Enqueue(Report("b", TaskState.Failed));
        Assert.Equal(CommandErrorCode.None, (await store.ProposeAsync(
            new Command { Ops = { new Op { Remove = new RemoveOp { Kind = ObjectKind.Task, Id = "a" } } } }, CancellationToken.None)).Error);
        writer.Complete();

        await writer.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["b"], store.State.ListTasks().Select(t => t.Id));
        Assert.Equal(TaskState.Failed, store.State.GetTask("b")!.Status.State);
    }

    [Fact]
    public async System.Threading.Tasks.Task RunAsync_TaskChangedBetweenReadAndWrite_ReadAgainAndWritten()
    {
        var store = StoreWith(Task("a"), Task("b"));
        // The orchestrator moves a's desired state after the writer read it: its write conflicts.
        var counted = new CountingStore(store, () =>
        {
            var a = store.State.GetTask("a")!;
            a.DesiredState = TaskState.Shutdown;
            Assert.Equal(CommandErrorCode.None, store.ProposeAsync(
                new Command { Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(a) } } } }, CancellationToken.None).Result.Error);
        });
        var writer = new TaskStatusWriter(counted, "n1", NullLogger.Instance);
        writer.Enqueue(Report("a", TaskState.Running));
        writer.Enqueue(Report("b", TaskState.Running));
        writer.Complete();

        await writer.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, counted.Proposals);
        var stored = store.State.GetTask("a")!;
        Assert.Equal((TaskState.Running, TaskState.Shutdown), (stored.Status.State, stored.DesiredState));
        Assert.Equal(TaskState.Running, store.State.GetTask("b")!.Status.State);
    }

    /// <summary>Counts the commands proposed through it; runs <c>beforeFirst</c> before the first goes through.</summary>
    private sealed class CountingStore(LocalStore inner, Action? beforeFirst = null) : IReplicatedStore
    {
        private int proposals;

        public int Proposals => Volatile.Read(ref proposals);

        public bool IsLeader => inner.IsLeader;

        public ManagerMember? Leader => inner.Leader;

        public System.Threading.Tasks.Task<CommandResult> ProposeAsync(Command command, CancellationToken ct)
        {
            if (Interlocked.Increment(ref proposals) == 1)
            {
                beforeFirst?.Invoke();
            }
            return inner.ProposeAsync(command, ct);
        }

        public System.Threading.Tasks.Task<T> ReadAsync<T>(Func<ClusterState, T> read, CancellationToken ct) => inner.ReadAsync(read, ct);

        public T ReadLocal<T>(Func<ClusterState, T> read) => inner.ReadLocal(read);

        public StoreWatch Watch() => inner.Watch();

        public System.Threading.Tasks.Task<CancellationToken> WaitForLeadershipAsync(CancellationToken ct) => inner.WaitForLeadershipAsync(ct);
    }
}
