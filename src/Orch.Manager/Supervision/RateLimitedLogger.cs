using Microsoft.Extensions.Logging;

namespace Orch.Manager.Supervision;

/// <summary>A logger that asks a <see cref="LogRateLimiter"/> before writing Information and above.</summary>
internal sealed partial class RateLimitedLogger(ILogger inner, string category, LogRateLimiter limiter) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }
        if (logLevel < LogLevel.Information)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }
        var template = state is IReadOnlyList<KeyValuePair<string, object?>> fields
            ? fields.FirstOrDefault(f => f.Key == "{OriginalFormat}").Value as string
            : null;
        var (allow, suppressed) = limiter.Admit($"{category}|{eventId.Id}|{logLevel}|{template}");
        if (!allow)
        {
            return;
        }
        if (suppressed > 0)
        {
            LogSuppressed(inner, logLevel, suppressed);
        }
        inner.Log(logLevel, eventId, state, exception, formatter);
    }

    [LoggerMessage(Message = "{Suppressed} more messages like the next one were suppressed")]
    private static partial void LogSuppressed(ILogger logger, LogLevel level, int suppressed);
}
