using Microsoft.Extensions.Logging;
using Orch.Manager.State;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Leader-only loop. Keeps one task of every global service on every eligible node, including nodes that join later; see GlobalReconciler.
/// Run it with the leadership token: <c>new GlobalOrchestrator(store, time, logger).RunAsync(leaderToken)</c>.
/// </summary>
internal sealed class GlobalOrchestrator(IReplicatedStore store, TimeProvider time, ILogger<GlobalOrchestrator> logger)
{
    public Task RunAsync(CancellationToken ct) => new ReconcileLoop(store, time, logger, "global orchestrator", GlobalReconciler.Decide).RunAsync(ct);
}
