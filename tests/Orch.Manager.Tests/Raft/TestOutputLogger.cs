using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Orch.Manager.Tests.Raft;

/// <summary>Writes log lines to the test's output, prefixed with the time since start and the manager name.</summary>
internal sealed class TestOutputLoggerProvider(ITestOutputHelper output, string name, Stopwatch clock) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, name, clock, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ITestOutputHelper output, string name, Stopwatch clock, string category) : ILogger
    {
        private readonly string shortCategory = category[(category.LastIndexOf('.') + 1)..];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            logLevel >= (category.StartsWith("DotNext", StringComparison.Ordinal) || category.StartsWith("Microsoft", StringComparison.Ordinal) || category.StartsWith("Grpc", StringComparison.Ordinal)
                ? LogLevel.Warning
                : LogLevel.Information);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            try
            {
                output.WriteLine($"{clock.Elapsed.TotalSeconds,7:0.000} {name} {logLevel.ToString()[..4]} {shortCategory}: {formatter(state, exception)}" +
                    (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})"));
            }
            catch (InvalidOperationException)
            {
                // the test has finished; background Raft threads may still log while stopping
            }
        }
    }
}
