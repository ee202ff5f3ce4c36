using Orch.Api.V1.Objects;

namespace Orch.LoadBalancer.Tests;

public sealed class BackendPoolTests
{
    private static ServiceEndpoint Endpoint(params (string Task, bool Healthy, bool Draining)[] backends)
    {
        var e = new ServiceEndpoint { ServiceId = "s1", ServiceName = "web", PublishedPort = 8080, TargetPort = 80 };
        var port = 30000;
        foreach (var (task, healthy, draining) in backends)
        {
            e.Backends.Add(new EndpointBackend { TaskId = task, NodeId = "n-" + task, Address = "10.0.0.1", Port = (uint)port++, Healthy = healthy, Draining = draining });
        }
        return e;
    }

    private static List<string> Picks(BackendPool pool, int n) => [.. Enumerable.Range(0, n).Select(_ => pool.Next()?.TaskId ?? "none")];

    [Fact]
    public void Next_ThreeHealthy_ThirtyPicksGiveEachTen()
    {
        var pool = new BackendPool(new ManualTime());
        pool.Update(Endpoint(("a", true, false), ("b", true, false), ("c", true, false)));

        var picks = Picks(pool, 30);

        Assert.Equal(["a", "b", "c"], picks.Take(3));
        Assert.All(picks.GroupBy(p => p), g => Assert.Equal(10, g.Count()));
        Assert.Equal(3, picks.Distinct().Count());
    }

    [Fact]
    public void Next_DrainingAndUnhealthy_AreNeverPicked()
    {
        var pool = new BackendPool(new ManualTime());
        pool.Update(Endpoint(("a", true, false), ("b", false, false), ("c", true, true)));

        Assert.All(Picks(pool, 10), p => Assert.Equal("a", p));
    }

    [Fact]
    public void Next_NoEligibleBackend_ReturnsNull()
    {
        var pool = new BackendPool(new ManualTime());
        pool.Update(Endpoint(("a", false, false), ("b", true, true)));

        Assert.Null(pool.Next());
    }

    [Fact]
    public void Next_AfterConnectFailure_SuspectSkippedUntilItExpires()
    {
        var time = new ManualTime();
        var pool = new BackendPool(time);
        pool.Update(Endpoint(("a", true, false), ("b", true, false)));
        var a = pool.Backends.Single(b => b.TaskId == "a");

        pool.MarkFailed(a);

        Assert.All(Picks(pool, 4), p => Assert.Equal("b", p));
        Assert.Equal(1, a.Failures);
        time.Advance(BackendPool.SuspectFor + TimeSpan.FromSeconds(1));
        Assert.Contains("a", Picks(pool, 2));
    }

    [Fact]
    public void Next_AllSuspect_StillTriesThem()
    {
        var pool = new BackendPool(new ManualTime());
        pool.Update(Endpoint(("a", true, false)));
        pool.MarkFailed(pool.Backends[0]);

        Assert.Equal("a", pool.Next()?.TaskId);
    }

    [Fact]
    public void Next_Tried_EachBackendAtMostOnce()
    {
        var pool = new BackendPool(new ManualTime());
        pool.Update(Endpoint(("a", true, false), ("b", true, false)));
        var tried = new HashSet<Backend>();

        while (pool.Next(tried) is { } b)
        {
            Assert.True(tried.Add(b));
        }

        Assert.Equal(2, tried.Count);
    }

    [Fact]
    public void Update_KeepsCountersOfRemainingBackends_DropsRemovedOnes()
    {
        var pool = new BackendPool(new ManualTime());
        pool.Update(Endpoint(("a", true, false), ("b", true, false)));
        BackendPool.MarkConnected(pool.Backends[0]);

        pool.Update(Endpoint(("a", true, true)));

        var a = Assert.Single(pool.Backends);
        Assert.Equal(1, a.Connections);
        Assert.True(a.Draining);
    }
}
