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

    private readonly ConcurrentDictionary<string, DateTimeOffset> lastSeen = new(StringComparer.Ordinal);

    public void Seen(string nodeId) => lastSeen[nodeId] = time.GetUtcNow();

    public TimeSpan Period => store.ReadLocal(s => s.GetCluster())?.Spec?.DispatcherHeartbeatPeriod?.ToTimeSpan() is { } p && p > TimeSpan.Zero
        ? p
        : SwarmInit.DefaultHeartbeat;

    /// <summary>Runs while this manager leads (<paramref name="leading"/> is cancelled when it stops).</summary>
    public async System.Threading.Tasks.Task RunAsync(CancellationToken leading)
    {
        var since = time.GetUtcNow();
        lastSeen.Clear();
        try
        {
            while (!leading.IsCancellationRequested)
            {
                var period = Period;
                await System.Threading.Tasks.Task.Delay(period / 2, time, leading);
                var deadline = time.GetUtcNow() - period * MissedPeriods;
                foreach (var node in store.ReadLocal(s => s.ListNodes()))
                {
                    if (node.Status?.State is NodeState.Down)
                    {
                        continue;
                    }
                    var seen = lastSeen.TryGetValue(node.Id, out var t) ? t : since;
                    if (seen < deadline)
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
