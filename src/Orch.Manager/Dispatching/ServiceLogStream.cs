using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1;

namespace Orch.Manager.Dispatching;

/// <summary>
/// One <c>orch service logs</c> caller's view of a <see cref="LogBroker"/> subscription: lines from
/// every node, in arrival order (per task in log order), then the end once every node has said
/// it is done or has been given up on with a warning. A following stream ends only when its
/// reader cancels.
/// </summary>
internal sealed class ServiceLogStream : IAsyncDisposable
{
    private readonly LogBroker broker;
    private readonly Func<string, string> nodeName;
    private readonly TimeProvider time;
    private readonly Dictionary<string, Orch.Api.V1.Objects.Task> tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> pending = new(StringComparer.Ordinal);
    private readonly Channel<ServiceLogLine> lines = Channel.CreateUnbounded<ServiceLogLine>(new() { SingleReader = true });
    private readonly Lock gate = new();

    internal ServiceLogStream(LogBroker broker, string id, bool follow, IReadOnlyDictionary<string, List<Orch.Api.V1.Objects.Task>> tasksByNode,
        Func<string, string> nodeName, TimeProvider time)
    {
        this.broker = broker;
        this.nodeName = nodeName;
        this.time = time;
        Id = id;
        Follow = follow;
        Nodes = [.. tasksByNode.Keys];
        var now = time.GetUtcNow();
        foreach (var (node, list) in tasksByNode)
        {
            pending[node] = now;
            foreach (var t in list)
            {
                tasks[t.Id] = t;
            }
        }
        CompleteIfDone();
    }

    public string Id { get; }
    public bool Follow { get; }
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The lines (warnings included) until every node is done; for a following stream, until <paramref name="ct"/>.</summary>
    public async IAsyncEnumerable<ServiceLogLine> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        while (true)
        {
            while (lines.Reader.TryRead(out var line))
            {
                yield return line;
            }
            if (lines.Reader.Completion.IsCompleted)
            {
                yield break;
            }
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(ct);
            tick.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                await lines.Reader.WaitToReadAsync(tick.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // A tick: look for nodes that went silent.
            }
            ct.ThrowIfCancellationRequested();
            if (!Follow)
            {
                GiveUpSilentNodes();
            }
        }
    }

    internal void Add(string nodeId, LogLines batch)
    {
        lock (gate)
        {
            if (!pending.ContainsKey(nodeId) && !Follow)
            {
                return; // already given up on: its late lines would follow the warning
            }
            pending[nodeId] = time.GetUtcNow();
        }
        foreach (var l in batch.Lines)
        {
            tasks.TryGetValue(l.TaskId, out var task);
            lines.Writer.TryWrite(new ServiceLogLine
            {
                TaskId = l.TaskId,
                NodeId = nodeId,
                Slot = task?.Slot ?? 0,
                Timestamp = l.Timestamp ?? Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                Stream = l.Stream == 2 ? Orch.Api.V1.LogStream.Stderr : Orch.Api.V1.LogStream.Stdout,
                Line = l.Line,
            });
        }
    }

    internal void Done(string nodeId, string error)
    {
        if (error.Length > 0)
        {
            GiveUp(nodeId, "could not read its task logs: " + error);
            return;
        }
        lock (gate)
        {
            pending.Remove(nodeId);
        }
        CompleteIfDone();
    }

    /// <summary>Stops waiting for <paramref name="nodeId"/> and says so in one warning line.</summary>
    internal void GiveUp(string nodeId, string why)
    {
        lock (gate)
        {
            if (!pending.Remove(nodeId))
            {
                return;
            }
        }
        lines.Writer.TryWrite(new ServiceLogLine { NodeId = nodeId, Warning = $"node {nodeName(nodeId)} {why}; its task logs are missing" });
        CompleteIfDone();
    }

    private void GiveUpSilentNodes()
    {
        List<string> silent;
        var now = time.GetUtcNow();
        lock (gate)
        {
            silent = [.. pending.Where(p => now - p.Value > LogBroker.SilenceLimit).Select(p => p.Key)];
        }
        foreach (var node in silent)
        {
            GiveUp(node, $"did not answer within {LogBroker.SilenceLimit.TotalSeconds:0}s");
        }
    }

    private void CompleteIfDone()
    {
        if (Follow)
        {
            return;
        }
        bool empty;
        lock (gate)
        {
            empty = pending.Count == 0;
        }
        if (empty)
        {
            lines.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        lines.Writer.TryComplete();
        await broker.CloseAsync(this);
    }
}
