namespace Orch.Manager.Tests.Raft;

internal static class Eventually
{
    /// <summary>Polls until <paramref name="condition"/> holds; on timeout fails naming the condition and what was seen last.</summary>
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? seen = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what}: not true after {timeout.TotalSeconds:0.#}s; saw {seen?.Invoke() ?? "nothing more"}");
            }
            await Task.Delay(50);
        }
    }
}
