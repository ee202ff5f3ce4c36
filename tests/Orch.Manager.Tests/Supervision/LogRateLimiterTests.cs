using Orch.Manager.Supervision;

namespace Orch.Manager.Tests.Supervision;

public sealed class LogRateLimiterTests
{
    [Fact]
    public void Admit_BurstThenSuppressed_CountReportedAfterWindow()
    {
        var time = new ManualTime();
        var limiter = new LogRateLimiter(time, burst: 3, window: TimeSpan.FromSeconds(30));

        var allowed = Enumerable.Range(0, 1000).Count(_ => limiter.Admit("member unavailable").Allow);
        Assert.Equal(3, allowed);

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal((true, 997), limiter.Admit("member unavailable"));
        Assert.Equal((true, 0), limiter.Admit("member unavailable"));
    }

    [Fact]
    public void Admit_DifferentKeys_Independent()
    {
        var limiter = new LogRateLimiter(new ManualTime(), burst: 1, window: TimeSpan.FromSeconds(30));
        Assert.True(limiter.Admit("a").Allow);
        Assert.True(limiter.Admit("b").Allow);
        Assert.False(limiter.Admit("a").Allow);
    }
}
