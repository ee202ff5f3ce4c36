namespace Orch.Testing.Cluster;

/// <summary>Polls with a deadline; a timeout names the condition that never came true and what was seen last.</summary>
public static class Eventually
{
    /// <summary>
    /// Calls <paramref name="probe"/> until <paramref name="done"/> holds for its result; returns that result.
    /// </summary>
    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan timeout, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        while (true)
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }
            if (DateTime.UtcNow >= deadline)
            {
                break;
            }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(250));
        }
        throw new TimeoutException($"never became true within {timeout}: {what}; last seen:\n{Show(last)}");
    }

    private static string Show<T>(T value) => value is System.Collections.IEnumerable items and not string
        ? string.Join('\n', items.Cast<object>())
        : value?.ToString() ?? "(null)";
}
