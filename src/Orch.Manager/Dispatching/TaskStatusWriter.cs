using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Dispatching;

/// <summary>
/// Writes one session's task statuses into the store. The session's reader queues each report and goes on
/// reading; this loop writes whatever has queued since its last write as one command (no batching window:
/// a lone report is written at once, and reports that arrive while a write is in flight share the next one).
/// Reports of one task keep their order. A batch the store rejects (a task changed or removed between read
/// and write) is read and folded again; if it keeps failing, its tasks are written one by one, so that one bad
/// task never costs the others their status. A store that is unavailable ends the session (the agent
/// reconnects and reports every status again).
/// </summary>
internal sealed partial class TaskStatusWriter(IReplicatedStore store, string nodeId, ILogger logger)
{
    private const int Attempts = 5;

    private readonly Channel<TaskStatusUpdate> queue = Channel.CreateUnbounded<TaskStatusUpdate>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public void Enqueue(TaskStatusUpdate update) => queue.Writer.TryWrite(update);

    /// <summary>No more reports: <see cref="RunAsync"/> returns once the queued ones are written.</summary>
    public void Complete() => queue.Writer.TryComplete();

    /// <exception cref="StoreUnavailableException">No leader or quorum; the session should end.</exception>
    public async System.Threading.Tasks.Task RunAsync(CancellationToken ct)
    {
        var batch = new List<TaskStatusUpdate>();
        while (await queue.Reader.WaitToReadAsync(ct))
        {
            batch.Clear();
            while (batch.Count < Orchestration.ReconcileLoop.MaxOpsPerCommand && queue.Reader.TryRead(out var update))
            {
                batch.Add(update);
            }
            if (!await TryWriteAsync(batch, ct) && batch.Select(u => u.TaskId).Distinct(StringComparer.Ordinal).Count() > 1)
            {
                foreach (var one in batch.GroupBy(u => u.TaskId, StringComparer.Ordinal))
                {
                    await TryWriteAsync([.. one], ct);
                }
            }
        }
    }

    // Read, fold, write with the versions read; a concurrent change (the orchestrator moving a desired
    // state) makes the write fail, so read again and fold again. False when it never went through.
    private async Task<bool> TryWriteAsync(IReadOnlyList<TaskStatusUpdate> updates, CancellationToken ct)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var tasks = StatusBatch.Fold(nodeId, updates, id => store.ReadLocal(s => s.GetTask(id)));
            if (tasks.Count == 0)
            {
                return true;
            }
            var command = new Command();
            command.Ops.AddRange(tasks.Select(Write));
            var result = await store.ProposeAsync(command, ct);
            if (result.Error == CommandErrorCode.None)
            {
                LogWritten(nodeId, tasks.Count, updates.Count);
                return true;
            }
            LogRejected(nodeId, tasks.Count, result.Error, result.Message);
        }
        return false;
    }

    private static Op Write(TaskObject task) => new() { Update = new UpdateOp { Object = StoreObjects.Wrap(task) } };

    [LoggerMessage(Level = LogLevel.Debug, Message = "node {NodeId}: statuses of {Tasks} tasks written ({Updates} reports)")]
    private partial void LogWritten(string nodeId, int tasks, int updates);

    [LoggerMessage(Level = LogLevel.Debug, Message = "node {NodeId}: status write of {Tasks} tasks rejected ({Error}: {Message}); reading again")]
    private partial void LogRejected(string nodeId, int tasks, CommandErrorCode error, string message);
}
