using Orch.Manager.Supervision;

namespace Orch.Manager.Tests.Supervision;

public sealed class ReplicationStallDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private readonly ReplicationStallDetector detector = new(TimeSpan.FromSeconds(30), tolerance: 16);

    private static Dictionary<string, ulong> Applied(ulong a, ulong b) => new() { ["a"] = a, ["b"] = b };

    [Fact]
    public void Observe_FollowerBehindWithoutProgressForWindow_Stalled()
    {
        Assert.Empty(detector.Observe(T0, 1000, Applied(1000, 400)));
        Assert.Empty(detector.Observe(T0.AddSeconds(29), 1100, Applied(1100, 400)));
        Assert.Equal(["b"], detector.Observe(T0.AddSeconds(30), 1200, Applied(1200, 400)));
    }

    [Fact]
    public void Observe_FollowerSlowButAdvancing_NotStalled()
    {
        for (var s = 0; s <= 120; s += 10)
        {
            Assert.Empty(detector.Observe(T0.AddSeconds(s), 5000, Applied(5000, 100 + (ulong)s)));
        }
    }

    [Fact]
    public void Observe_FollowerWithinTolerance_NeverStalled()
    {
        Assert.Empty(detector.Observe(T0, 1000, Applied(1000, 990)));
        Assert.Empty(detector.Observe(T0.AddMinutes(5), 1000, Applied(1000, 990)));
    }

    [Fact]
    public void Observe_FollowerUnreachableThenBack_WindowStartsAgain()
    {
        detector.Observe(T0, 1000, Applied(1000, 400));
        detector.Observe(T0.AddSeconds(20), 1000, new Dictionary<string, ulong> { ["a"] = 1000 });
        Assert.Empty(detector.Observe(T0.AddSeconds(40), 1000, Applied(1000, 400)));
    }
}
