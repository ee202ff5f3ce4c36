using Microsoft.Extensions.Logging;
using Orch.Manager.State;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Leader-only loop. Keeps every replicated service at its replica count (slots), replaces tasks of Down or removed nodes and scales down; see ReplicatedReconciler.
/// Run it with the leadership token: <c>new ReplicatedOrchestrator(store, time, logger).RunAsync(leaderToken)</c>.
/// </summary>
internal sealed class ReplicatedOrchestrator(IReplicatedStore store, TimeProvider time, ILogger<ReplicatedOrchestrator> logger)
{
    public Task RunAsync(CancellationToken ct) => new ReconcileLoop(store, time, logger, "replicated orchestrator", ReplicatedReconciler.Decide).RunAsync(ct);
}
