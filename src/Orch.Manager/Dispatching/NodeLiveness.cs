using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Dispatching;

/// <summary>
/// Heartbeat bookkeeping of the leader's dispatcher and the leader-only loop that marks a node
/// Down after 3 missed heartbeat periods. Kept in memory only: a new leader gives every node a
/// fresh grace period from the moment it took over (its sessions reconnect within one period).
/// </summary>
internal sealed partial class NodeLiveness(IReplicatedStore store, TimeProvider time, ILogger<NodeLiveness> logger)
{
    /// <summary>Missed periods before a node is Down (Swarm's rule).</summary>
    public const int MissedPeriods = 3;

    /// <summary>
    /// How long a node whose last session ended (the connection closed: its orchd died, the machine
    /// rebooted) may take to open a new one before it is Down. Swarm waits the 3 periods (15 s by
    /// default) either way; a closed connection is a much stronger sign than silence, so we wait less.
    /// </summary>
    public static readonly TimeSpan ReconnectGrace = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, DateTimeOffset> lastSeen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> disconnectedAt = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> sessions = new(StringComparer.Ordinal);

    public void Seen(string nodeId) => lastSeen[nodeId] = time.GetUtcNow();

    /// <summary>A session of the node opened (pair with <see cref="SessionEnded"/>).</summary>
    public void SessionStarted(string nodeId)
    {
        sessions.AddOrUpdate(nodeId, 1, (_, n) => n + 1);
        disconnectedAt.TryRemove(nodeId, out _);
    }

    /// <summary>A session of the node ended; with no other session left, the reconnect grace starts.</summary>
    public void SessionEnded(string nodeId)
    {
        if (sessions.AddOrUpdate(nodeId, 0, (_, n) => Math.Max(0, n - 1)) == 0)
        {
            disconnectedAt[nodeId] = time.GetUtcNow();
        }
    }

    public TimeSpan Period => store.ReadLocal(s => s.GetCluster())?.Spec?.DispatcherHeartbeatPeriod?.ToTimeSpan() is { } p && p > TimeSpan.Zero
        ? p
        : SwarmInit.DefaultHeartbeat;

    /// <summary>Runs while this manager leads (<paramref name="leading"/> is cancelled when it stops).</summary>
    public async System.Threading.Tasks.Task RunAsync(CancellationToken leading)
    {
        var since = time.GetUtcNow();
        lastSeen.Clear();
        disconnectedAt.Clear();
        try
        {
            while (!leading.IsCancellationRequested)
            {
                var period = Period;
                // Checked often (cheap: a local read) so that detection does not add up to half a period.
                await System.Threading.Tasks.Task.Delay(TimeSpan.FromTicks(Math.Min((period / 2).Ticks, TimeSpan.FromMilliseconds(500).Ticks)), time, leading);
                var now = time.GetUtcNow();
                var deadline = now - period * MissedPeriods;
                var grace = period < ReconnectGrace ? period : ReconnectGrace;
                foreach (var node in store.ReadLocal(s => s.ListNodes()))
                {
                    if (node.Status?.State is NodeState.Down)
                    {
                        continue;
                    }
                    var seen = lastSeen.TryGetValue(node.Id, out var t) ? t : since;
                    var gone = disconnectedAt.TryGetValue(node.Id, out var closed) && closed < now - grace
                        && sessions.GetValueOrDefault(node.Id) == 0;
                    if (seen < deadline || gone)
                    {
                        await MarkDownAsync(node, seen, leading);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
    }

    private async System.Threading.Tasks.Task MarkDownAsync(Node node, DateTimeOffset seen, CancellationToken ct)
    {
        node.Status ??= new NodeStatus();
        node.Status.State = NodeState.Down;
        node.Status.Message = "heartbeat failure";
        try
        {
            var result = await store.ProposeAsync(new Command { Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(node) } } } }, ct);
            if (result.Error == CommandErrorCode.None)
            {
                LogDown(node.Id, node.Description?.Hostname ?? "", (time.GetUtcNow() - seen).TotalSeconds);
            }
        }
        catch (StoreUnavailableException e)
        {
            LogMarkFailed(node.Id, e.Message);
        }
    }

    /// <summary>The status a registering node gets (Ready, with what it says about itself).</summary>
    public static Node ReadyNode(Node stored, NodeDescription? description, string addr, Timestamp? _ = null)
    {
        var node = stored.Clone();
        node.Status ??= new NodeStatus();
        node.Status.State = NodeState.Ready;
        node.Status.Message = "";
        if (addr.Length > 0)
        {
            node.Status.Addr = addr;
        }
        if (description is not null)
        {
            node.Description = description;
        }
        return node;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "node {NodeId} ({Hostname}) is down: no heartbeat for {Seconds:0.0}s")]
    private partial void LogDown(string nodeId, string hostname, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not mark node {NodeId} down: {Reason}")]
    private partial void LogMarkFailed(string nodeId, string reason);
}
