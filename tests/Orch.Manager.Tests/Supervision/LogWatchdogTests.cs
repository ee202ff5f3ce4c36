using Microsoft.Extensions.Logging.Abstractions;
using Orch.Manager.Supervision;

namespace Orch.Manager.Tests.Supervision;

public sealed class LogWatchdogTests
{
    [Fact]
    public async Task RunAsync_ProbeStartsFailing_ReportsOnceAndStops()
    {
        var probes = 0;
        var failures = new List<string>();
        var watchdog = new LogWatchdog(
            _ => ++probes < 3 ? ValueTask.CompletedTask : throw new InvalidOperationException("WAL page 7 doesn't exist on the disk"),
            failures.Add, TimeProvider.System, TimeSpan.FromMilliseconds(20), NullLogger<LogWatchdog>.Instance);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await watchdog.RunAsync(cts.Token);

        Assert.False(cts.IsCancellationRequested, "the watchdog did not stop after the failure");
        Assert.Equal(["InvalidOperationException: WAL page 7 doesn't exist on the disk"], failures);
        Assert.Equal(3, probes);
    }

    [Fact]
    public async Task RunAsync_HealthyUntilCancelled_ReportsNothing()
    {
        var failures = new List<string>();
        var watchdog = new LogWatchdog(_ => ValueTask.CompletedTask, failures.Add, TimeProvider.System,
            TimeSpan.FromMilliseconds(10), NullLogger<LogWatchdog>.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await watchdog.RunAsync(cts.Token);
        Assert.Empty(failures);
    }
}
