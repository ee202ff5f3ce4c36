using Microsoft.Extensions.Logging;
using Orch.Manager.State;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Leader-only loop. Replaces ended tasks per restart policy (condition, delay, max attempts in window); delays run on the TimeProvider; see RestartDecider.
/// Run it with the leadership token: <c>new RestartSupervisor(store, time, logger).RunAsync(leaderToken)</c>.
/// </summary>
internal sealed class RestartSupervisor(IReplicatedStore store, TimeProvider time, ILogger<RestartSupervisor> logger)
{
    public Task RunAsync(CancellationToken ct) => new ReconcileLoop(store, time, logger, "restart supervisor", RestartDecider.Decide).RunAsync(ct);
}
