using Microsoft.Extensions.Logging;
using Orch.Manager.State;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Leader-only loop. Drives rolling updates and rollbacks from Service.update_status and the tasks, so a new leader resumes them; see UpdatePlanner.
/// Run it with the leadership token: <c>new RollingUpdater(store, time, logger).RunAsync(leaderToken)</c>.
/// </summary>
internal sealed class RollingUpdater(IReplicatedStore store, TimeProvider time, ILogger<RollingUpdater> logger)
{
    public Task RunAsync(CancellationToken ct) => new ReconcileLoop(store, time, logger, "rolling updater", UpdatePlanner.Decide).RunAsync(ct);
}
