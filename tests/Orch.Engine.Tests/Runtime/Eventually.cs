namespace Orch.Engine.Tests.Runtime;

/// <summary>Polls a condition with a deadline; the failure names what never became true.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"never became true within {timeout ?? TimeSpan.FromSeconds(15)}: {what}");
    }
}
