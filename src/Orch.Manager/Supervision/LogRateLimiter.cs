namespace Orch.Manager.Supervision;

/// <summary>
/// Per-key token window: the first <c>burst</c> events of a key in a window pass; the rest are
/// counted, and the count is handed to the first event let through after the window ends.
/// </summary>
internal sealed class LogRateLimiter(TimeProvider time, int burst, TimeSpan window)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Bucket> buckets = new(StringComparer.Ordinal);

    /// <returns>Whether to log, and how many events of this key were dropped before it.</returns>
    public (bool Allow, int Suppressed) Admit(string key)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (!buckets.TryGetValue(key, out var b) || now - b.Start >= window)
            {
                var dropped = b?.Suppressed ?? 0;
                buckets[key] = new Bucket { Start = now, Count = 1 };
                return (true, dropped);
            }
            if (b.Count < burst)
            {
                b.Count++;
                return (true, 0);
            }
            b.Suppressed++;
            return (false, 0);
        }
    }

    private sealed class Bucket
    {
        public DateTimeOffset Start;
        public int Count;
        public int Suppressed;
    }
}
