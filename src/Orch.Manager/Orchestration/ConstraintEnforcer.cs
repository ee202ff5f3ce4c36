using Microsoft.Extensions.Logging;
using Orch.Manager.State;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Leader-only loop. Moves tasks off nodes that no longer meet their constraints, and off drained nodes one slot at a time; see ConstraintEnforcerDecider.
/// Run it with the leadership token: <c>new ConstraintEnforcer(store, time, logger).RunAsync(leaderToken)</c>.
/// </summary>
internal sealed class ConstraintEnforcer(IReplicatedStore store, TimeProvider time, ILogger<ConstraintEnforcer> logger)
{
    public Task RunAsync(CancellationToken ct) => new ReconcileLoop(store, time, logger, "constraint enforcer", ConstraintEnforcerDecider.Decide).RunAsync(ct);
}
