namespace Orch.Manager.Tests;

/// <summary>A clock tests move by hand (for logic that only reads the time).</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => now;

    public void Advance(TimeSpan by) => now += by;
}
