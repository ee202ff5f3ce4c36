using System.Collections.Concurrent;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Orch.Agent.Execution;
using Orch.Api.V1;
using Orch.Engine.Runtime;

namespace Orch.Agent.Worker;

/// <summary>
/// The agent's side of <c>orch service logs</c>: answers the leader's <see cref="LogSubscription"/>
/// with the json-file logs of this node's task containers (the same reader as <c>orch logs</c>),
/// then a <see cref="LogSubscriptionDone"/> once everything asked for is sent. A following
/// subscription keeps reading until the leader closes it or the session ends.
/// </summary>
public sealed partial class TaskLogPublisher
{
    private const int BatchLines = 256;

    private readonly ContainerRuntime runtime;
    private readonly Action<AgentMessage> send;
    private readonly ILogger<TaskLogPublisher> logger;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> active = new(StringComparer.Ordinal);

    internal TaskLogPublisher(ContainerRuntime runtime, Action<AgentMessage> send, ILogger<TaskLogPublisher> logger)
    {
        this.runtime = runtime;
        this.send = send;
        this.logger = logger;
    }

    /// <summary>A publisher over this node's engine (orchd wires it to the agent session).</summary>
    internal static TaskLogPublisher ForEngine(ContainerRuntime runtime, Action<AgentMessage> send, ILoggerFactory loggers) =>
        new(runtime, send, loggers.CreateLogger<TaskLogPublisher>());

    /// <summary>Opens or closes a subscription; <paramref name="session"/> ends with the session it came on.</summary>
    public void Handle(LogSubscription subscription, CancellationToken session)
    {
        if (subscription.Close)
        {
            if (active.TryRemove(subscription.Id, out var cts))
            {
                cts.Cancel();
            }
            return;
        }
        var reading = CancellationTokenSource.CreateLinkedTokenSource(session);
        if (!active.TryAdd(subscription.Id, reading))
        {
            reading.Dispose();
            return; // a repeated subscription: already being answered
        }
        _ = RunAsync(subscription, reading);
    }

    private async System.Threading.Tasks.Task RunAsync(LogSubscription subscription, CancellationTokenSource reading)
    {
        var error = "";
        try
        {
            var wanted = subscription.TaskIds.ToHashSet(StringComparer.Ordinal);
            var containers = runtime.Store.All()
                .Where(c => c.Config.Labels.TryGetValue(EngineExecutor.TaskLabel, out var t) && wanted.Contains(t))
                .Select(c => (TaskId: c.Config.Labels[EngineExecutor.TaskLabel], c.Id))
                .ToList();
            LogSubscribed(subscription.Id, containers.Count, subscription.Follow);
            await System.Threading.Tasks.Task.WhenAll(containers.Select(c => PumpAsync(subscription, c.TaskId, c.Id, reading.Token)));
        }
        catch (OperationCanceledException) when (reading.IsCancellationRequested)
        {
            return; // closed by the leader or the session ended: nobody is waiting for "done"
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or RuntimeException)
        {
            error = e.Message;
        }
        finally
        {
            active.TryRemove(new KeyValuePair<string, CancellationTokenSource>(subscription.Id, reading));
            reading.Dispose();
        }
        send(new AgentMessage { LogDone = new LogSubscriptionDone { SubscriptionId = subscription.Id, Error = error } });
    }

    private async System.Threading.Tasks.Task PumpAsync(LogSubscription subscription, string taskId, string containerId, CancellationToken ct)
    {
        ContainerRecord record;
        try
        {
            record = runtime.Get(containerId);
        }
        catch (RuntimeException e) when (e.Kind == RuntimeError.NotFound)
        {
            return; // removed since the lookup
        }
        var since = subscription.Since?.ToDateTimeOffset();
        int? tail = subscription.TailAll ? null : (int)Math.Min(subscription.Tail, int.MaxValue);
        var batch = new LogLines { SubscriptionId = subscription.Id };
        await foreach (var e in LogReader.ReadAsync(runtime.LogPath(containerId), tail, subscription.Follow, () => record.State.Running, ct))
        {
            if (since is { } s && e.Time < s)
            {
                continue;
            }
            batch.Lines.Add(new LogLine
            {
                TaskId = taskId,
                Timestamp = Timestamp.FromDateTimeOffset(e.Time),
                Stream = e.Stream,
                Line = Encoding.UTF8.GetString(e.Data).TrimEnd('\n', '\r'),
            });
            // Batched when not following; one message per line when following (the reader gives no
            // "caught up" signal, so a held-back line could wait indefinitely).
            if (batch.Lines.Count >= BatchLines || subscription.Follow)
            {
                send(new AgentMessage { LogLines = batch });
                batch = new LogLines { SubscriptionId = subscription.Id };
            }
        }
        if (batch.Lines.Count > 0)
        {
            send(new AgentMessage { LogLines = batch });
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "log subscription {SubscriptionId}: {Containers} task containers (follow {Follow})")]
    private partial void LogSubscribed(string subscriptionId, int containers, bool follow);
}
