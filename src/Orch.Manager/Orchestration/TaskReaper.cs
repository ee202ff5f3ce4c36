using Microsoft.Extensions.Logging;
using Orch.Manager.State;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Leader-only loop. Bounds task history per slot (Cluster.spec.task_history_limit) and clears tasks of removed services; see TaskReaperDecider.
/// Run it with the leadership token: <c>new TaskReaper(store, time, logger).RunAsync(leaderToken)</c>.
/// </summary>
internal sealed class TaskReaper(IReplicatedStore store, TimeProvider time, ILogger<TaskReaper> logger)
{
    public Task RunAsync(CancellationToken ct) => new ReconcileLoop(store, time, logger, "task reaper", TaskReaperDecider.Decide).RunAsync(ct);
}
