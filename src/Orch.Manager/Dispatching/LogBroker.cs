using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Orch.Api.V1;

namespace Orch.Manager.Dispatching;

/// <summary>
/// The leader's switchboard for <c>orch service logs</c>: workers serve no gRPC, so the leader asks
/// each node for its tasks' logs on the dispatcher session the node already keeps open
/// (<see cref="LogSubscription"/>), and the agents answer on the same stream (<see cref="LogLines"/>,
/// <see cref="LogSubscriptionDone"/>). The dispatcher attaches every open session here; the control
/// API opens a <see cref="ServiceLogStream"/> per caller and reads the multiplexed lines from it.
/// <para>Contract: a node without a live session, a session that ends, or (when not following) a
/// node that stays silent for <see cref="SilenceLimit"/> yields one warning line and never blocks
/// the rest; every stream ends once each node has answered or been given up on.</para>
/// </summary>
internal sealed partial class LogBroker(Func<string, ChannelBase>? managerChannel, ILogger<LogBroker> logger)
{
    /// <summary>How long a node may stay silent before a non-following stream gives up on it.</summary>
    public static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, NodeSession> sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServiceLogStream> streams = new(StringComparer.Ordinal);

    /// <summary>A channel to another manager's control API (a follower forwards ServiceLogs to the leader).</summary>
    public ChannelBase? ManagerChannel(string api) => managerChannel?.Invoke(api);

    /// <summary>
    /// Registers the session of <paramref name="nodeId"/>; <paramref name="send"/> writes a message on
    /// it. Disposing the result (the session ended) tells every stream waiting on the node.
    /// </summary>
    public IDisposable Attach(string nodeId, Func<DispatcherMessage, CancellationToken, Task> send)
    {
        var session = new NodeSession(nodeId, send);
        sessions[nodeId] = session;
        return new Detach(this, session);
    }

    /// <summary>Opens a stream over <paramref name="tasksByNode"/> (node id → its tasks) and asks each node.</summary>
    public async Task<ServiceLogStream> OpenAsync(ServiceLogsRequest request, IReadOnlyDictionary<string, List<Orch.Api.V1.Objects.Task>> tasksByNode,
        Func<string, string> nodeName, TimeProvider time, CancellationToken ct)
    {
        var stream = new ServiceLogStream(this, Guid.NewGuid().ToString("N"), request.Follow, tasksByNode, nodeName, time);
        streams[stream.Id] = stream;
        LogOpened(stream.Id, tasksByNode.Count, request.Follow);
        foreach (var (nodeId, tasks) in tasksByNode)
        {
            if (!sessions.TryGetValue(nodeId, out var session))
            {
                stream.GiveUp(nodeId, "is down or unreachable (no session with the leader)");
                continue;
            }
            var subscription = new LogSubscription
            {
                Id = stream.Id,
                Follow = request.Follow,
                Tail = request.Tail,
                TailAll = request.TailAll || request.Tail == 0,
                Since = request.Since,
            };
            subscription.TaskIds.AddRange(tasks.Select(t => t.Id));
            try
            {
                await session.Send(new DispatcherMessage { LogSubscription = subscription }, ct);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or RpcException)
            {
                stream.GiveUp(nodeId, $"is unreachable ({e.Message})");
            }
        }
        return stream;
    }

    /// <summary>Lines from an agent, for the stream they name (unknown ids are late answers to a closed stream).</summary>
    public void OnLines(string nodeId, LogLines lines)
    {
        if (streams.TryGetValue(lines.SubscriptionId, out var stream))
        {
            stream.Add(nodeId, lines);
        }
    }

    public void OnDone(string nodeId, LogSubscriptionDone done)
    {
        if (streams.TryGetValue(done.SubscriptionId, out var stream))
        {
            stream.Done(nodeId, done.Error);
        }
    }

    /// <summary>Forgets a stream; a following subscription is closed on the nodes still connected.</summary>
    internal async Task CloseAsync(ServiceLogStream stream)
    {
        streams.TryRemove(stream.Id, out _);
        if (!stream.Follow)
        {
            return;
        }
        foreach (var nodeId in stream.Nodes)
        {
            if (sessions.TryGetValue(nodeId, out var session))
            {
                using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await session.Send(new DispatcherMessage { LogSubscription = new LogSubscription { Id = stream.Id, Close = true } }, bounded.Token);
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or RpcException or OperationCanceledException)
                {
                    // The session is gone; the agent's readers ended with it.
                }
            }
        }
    }

    private void Detached(NodeSession session)
    {
        if (!sessions.TryRemove(new KeyValuePair<string, NodeSession>(session.NodeId, session)))
        {
            return; // a newer session of the node replaced it
        }
        foreach (var stream in streams.Values)
        {
            stream.GiveUp(session.NodeId, "lost its session with the leader");
        }
    }

    private sealed record NodeSession(string NodeId, Func<DispatcherMessage, CancellationToken, Task> Send);

    private sealed class Detach(LogBroker broker, NodeSession session) : IDisposable
    {
        public void Dispose() => broker.Detached(session);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "log stream {StreamId} opened over {Nodes} nodes (follow {Follow})")]
    private partial void LogOpened(string streamId, int nodes, bool follow);
}
