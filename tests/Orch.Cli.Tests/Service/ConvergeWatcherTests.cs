using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Cli.Commands.Service;
using OTask = Orch.Api.V1.Objects.Task;

namespace Orch.Cli.Tests.Service;

public sealed class ConvergeWatcherTests
{
    private static readonly DateTimeOffset Seen = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static OTask RunningAt(DateTimeOffset at) =>
        new() { Status = new Api.V1.Objects.TaskStatus { State = TaskState.Running, Timestamp = Timestamp.FromDateTimeOffset(at) } };

    [Fact]
    public void RunningSince_StartedJustBeforeThePoll_VerifyRunsFromTheLastStart()
    {
        var since = ConvergeWatcher.RunningSince([RunningAt(Seen.AddMilliseconds(-150)), RunningAt(Seen.AddMilliseconds(-80))], Seen);

        Assert.Equal(Seen.AddMilliseconds(-80), since);
    }

    [Fact]
    public void RunningSince_OldOrFutureTimes_TrustedForOnePollAtMost()
    {
        // Tasks left running by an update that replaced none, or another node's clock: never more than one poll back.
        Assert.Equal(Seen - ConvergeWatcher.PollInterval, ConvergeWatcher.RunningSince([RunningAt(Seen.AddMinutes(-3))], Seen));
        Assert.Equal(Seen, ConvergeWatcher.RunningSince([RunningAt(Seen.AddSeconds(4))], Seen));
        Assert.Equal(Seen, ConvergeWatcher.RunningSince([new OTask()], Seen));
    }
}
