using Orch.Agent.Worker;
using Orch.Api.V1.Objects;

namespace Orch.Manager.Tests.Dispatching;

/// <summary>The agent's side of the drain: a task runner waits for the dispatcher to mark its task drained.</summary>
public sealed class DrainSignalsTests
{
    private static EndpointTable Table(params (string Task, bool Drained)[] backends)
    {
        var e = new ServiceEndpoint { PublishedPort = 8080 };
        foreach (var (task, drained) in backends)
        {
            e.Backends.Add(new EndpointBackend { TaskId = task, Healthy = true, Draining = drained, Drained = drained });
        }
        return new EndpointTable { Endpoints = { e } };
    }

    [Fact]
    public async System.Threading.Tasks.Task Wait_EndsWhenATableMarksTheTaskDrained()
    {
        var drains = new DrainSignals(TimeProvider.System);
        drains.Observe(Table(("t1", false), ("t2", false)));
        var wait = drains.WaitAsync("t1", TimeSpan.FromSeconds(30), CancellationToken.None);
        drains.Observe(Table(("t1", false), ("t2", true))); // another task's drain
        await System.Threading.Tasks.Task.Delay(50, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        drains.Observe(Table(("t1", true), ("t2", true)));
        Assert.Equal(DrainOutcome.Drained, await wait);
        // Already drained: no wait at all.
        Assert.Equal(DrainOutcome.Drained, await drains.WaitAsync("t2", TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    [Fact]
    public async System.Threading.Tasks.Task Wait_ATaskNoLaterTableListsIsNotPublished()
    {
        var drains = new DrainSignals(TimeProvider.System);
        drains.Observe(Table(("t2", false)));
        var wait = drains.WaitAsync("t1", TimeSpan.FromSeconds(30), CancellationToken.None);
        await System.Threading.Tasks.Task.Delay(50, CancellationToken.None);
        Assert.False(wait.IsCompleted); // the table it had when the wait began says nothing yet
        drains.Observe(Table(("t2", false)));
        Assert.Equal(DrainOutcome.NotPublished, await wait);
    }

    [Fact]
    public async System.Threading.Tasks.Task Wait_IsBounded()
    {
        var drains = new DrainSignals(TimeProvider.System);
        drains.Observe(Table(("t1", false)));
        var started = DateTime.UtcNow;
        Assert.Equal(DrainOutcome.TimedOut, await drains.WaitAsync("t1", TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromMilliseconds(190));
    }

    [Fact]
    public async System.Threading.Tasks.Task Wait_ATaskWithSeveralPortsIsDrainedWhenAllItsBackendsAre()
    {
        var drains = new DrainSignals(TimeProvider.System);
        var table = Table(("t1", true));
        table.Endpoints.Add(new ServiceEndpoint { PublishedPort = 9090, Backends = { new EndpointBackend { TaskId = "t1", Healthy = true, Draining = true } } });
        drains.Observe(table);
        var wait = drains.WaitAsync("t1", TimeSpan.FromSeconds(30), CancellationToken.None);
        await System.Threading.Tasks.Task.Delay(50, CancellationToken.None);
        Assert.False(wait.IsCompleted);
        table.Endpoints[1].Backends[0].Drained = true;
        drains.Observe(table);
        Assert.Equal(DrainOutcome.Drained, await wait);
    }
}
