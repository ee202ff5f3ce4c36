using Microsoft.Extensions.Logging;

namespace Orch.Manager.Supervision;

/// <summary>
/// Pitfall P5: one unreachable member makes DotNext log tens of thousands of identical warnings a
/// minute. Loggers of the DotNext categories given out by this factory let through a few lines per
/// (category, event, template) and window, then one "suppressed" line; other categories pass
/// untouched. Does not own the inner factory.
/// </summary>
internal sealed class RaftLogFilter(ILoggerFactory inner, TimeProvider time, int burst = 5, TimeSpan? window = null) : ILoggerFactory
{
    private readonly LogRateLimiter limiter = new(time, burst, window ?? TimeSpan.FromSeconds(30));

    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("DotNext", StringComparison.Ordinal)
            ? new RateLimitedLogger(inner.CreateLogger(categoryName), categoryName, limiter)
            : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
    }
}
