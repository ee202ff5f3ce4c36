namespace Orch.Chaos.Tests.Faults;

public sealed class FaultScheduleTests
{
    [Fact]
    public void For_SameSeed_SameSchedule()
    {
        var kinds = FaultSchedule.ParseKinds("");
        Assert.Equal(FaultSchedule.For(42, TimeSpan.FromMinutes(2), kinds), FaultSchedule.For(42, TimeSpan.FromMinutes(2), kinds));
        Assert.NotEqual(FaultSchedule.For(42, TimeSpan.FromMinutes(2), kinds), FaultSchedule.For(43, TimeSpan.FromMinutes(2), kinds));
    }

    [Fact]
    public void For_CoversDuration_OnlyGivenKinds()
    {
        var steps = FaultSchedule.For(7, TimeSpan.FromMinutes(2), [FaultKind.KillWorker, FaultKind.CutManager]);
        Assert.True(steps.Sum(s => (s.Hold + s.Gap).TotalSeconds) >= 120);
        Assert.All(steps, s => Assert.Contains(s.Kind, new[] { FaultKind.KillWorker, FaultKind.CutManager }));
    }

    [Fact]
    public void ParseKinds_Unknown_NamesIt()
    {
        var e = Assert.Throws<ArgumentException>(() => FaultSchedule.ParseKinds("KillLeader,Nuke"));
        Assert.Contains("Nuke", e.Message);
    }
}
