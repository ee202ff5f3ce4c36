using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Manager.State;
using Task = System.Threading.Tasks.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Tests.Orchestration;

public sealed class RestartSupervisorTests
{
    private static async Task FailAsync(Orchestra o, string service, int exitCode = 1)
    {
        var t = o.Running(service).Single();
        t.Status = new TaskStatus
        {
            State = exitCode == 0 ? TaskState.Complete : TaskState.Failed,
            Error = exitCode == 0 ? "" : $"task: non-zero exit ({exitCode})",
            Timestamp = Timestamp.FromDateTimeOffset(o.Clock.GetUtcNow()),
            Container = new ContainerStatus { ExitCode = exitCode },
        };
        await o.ApplyAsync(new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(t) } });
    }

    [Fact]
    public async Task TaskFails_RestartedAfterDelay_AtMostMaxAttempts()
    {
        await using var o = new Orchestra();
        await o.AddNodeAsync("n1");
        var spec = Orchestra.Spec("job", replicas: 1);
        spec.TaskTemplate.RestartPolicy = new RestartPolicy { Delay = Duration.FromTimeSpan(TimeSpan.FromSeconds(5)), MaxAttempts = 2 };
        await o.CreateServiceAsync(spec);
        await o.WaitAsync("job", () => o.Running("job").Count == 1, "running");

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await FailAsync(o, "job");
            await o.SettleAsync();
            o.Clock.Advance(TimeSpan.FromSeconds(4));
            await o.SettleAsync();
            Assert.Equal(attempt, o.Tasks("job").Count); // not before the delay
            o.Clock.Advance(TimeSpan.FromSeconds(1));
            await o.WaitAsync("job", () => o.Running("job").Count == 1 && o.Tasks("job").Count == attempt + 1, $"restart {attempt} running");
        }

        await FailAsync(o, "job");
        o.Clock.Advance(TimeSpan.FromMinutes(1));
        await o.SettleAsync();
        Assert.Equal(3, o.Tasks("job").Count); // max attempts (2) used up: no third restart
        var last = o.Runnable("job").Single();
        Assert.Equal(TaskState.Failed, last.Status.State);
        Assert.Equal(2, last.RestartHistory.Count);
    }

    [Fact]
    public async Task OnFailure_CleanExit_NotRestarted()
    {
        await using var o = new Orchestra();
        await o.AddNodeAsync("n1");
        var spec = Orchestra.Spec("once", replicas: 1);
        spec.TaskTemplate.RestartPolicy = new RestartPolicy { Condition = RestartCondition.OnFailure, Delay = new Duration() };
        await o.CreateServiceAsync(spec);
        await o.WaitAsync("once", () => o.Running("once").Count == 1, "running");

        await FailAsync(o, "once", exitCode: 0);
        o.Clock.Advance(TimeSpan.FromMinutes(1));
        await o.SettleAsync();

        Assert.Single(o.Tasks("once"));
        Assert.Equal(TaskState.Complete, o.Runnable("once").Single().Status.State);
    }

    [Fact]
    public async Task RestartDelayZero_RestartedAtOnce()
    {
        await using var o = new Orchestra();
        await o.AddNodeAsync("n1");
        var spec = Orchestra.Spec("fast", replicas: 1);
        spec.TaskTemplate.RestartPolicy = new RestartPolicy { Delay = new Duration() };
        await o.CreateServiceAsync(spec);
        await o.WaitAsync("fast", () => o.Running("fast").Count == 1, "running");

        await FailAsync(o, "fast");

        await o.WaitAsync("fast", () => o.Running("fast").Count == 1 && o.Tasks("fast").Count == 2, "restarted without moving the clock");
    }
}
