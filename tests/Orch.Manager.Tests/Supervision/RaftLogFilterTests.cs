using Microsoft.Extensions.Logging;
using Orch.Manager.Supervision;

namespace Orch.Manager.Tests.Supervision;

public sealed class RaftLogFilterTests
{
    [Fact]
    public void DotNextWarningStorm_RateLimited_OwnCategoriesUntouched()
    {
        var lines = new List<string>();
        using var inner = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new ListProvider(lines)));
        var time = new ManualTime();
        var filter = new RaftLogFilter(inner, time, burst: 5, window: TimeSpan.FromSeconds(30));
        var raft = filter.CreateLogger("DotNext.Net.Cluster.Consensus.Raft.RaftCluster");
        var ours = filter.CreateLogger("Orch.Manager.State.RaftStore");

        for (var i = 0; i < 10_000; i++)
        {
            raft.Log(LogLevel.Warning, new EventId(74), "Cluster member {Member} is unavailable", "127.0.0.1:2377");
        }
        for (var i = 0; i < 20; i++)
        {
            ours.LogWarning("ours {I}", i);
        }
        time.Advance(TimeSpan.FromSeconds(31));
        raft.Log(LogLevel.Warning, new EventId(74), "Cluster member {Member} is unavailable", "127.0.0.1:2377");

        Assert.Equal(5 + 20 + 2, lines.Count);
        Assert.Equal("9995 more messages like the next one were suppressed", lines[^2]);
        Assert.Equal("Cluster member 127.0.0.1:2377 is unavailable", lines[^1]);
    }

    private sealed class ListProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Add(formatter(state, exception));
    }
}
