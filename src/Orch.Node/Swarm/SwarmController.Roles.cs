using Orch.Manager.Hosting;
using NodeRole = Orch.Api.V1.Objects.NodeRole;

namespace Orch.Node.Swarm;

internal sealed partial class SwarmController
{
    /// <summary>
    /// Follows `node promote` / `node demote`: a renewed certificate carries the role the store
    /// holds; with it a promoted node starts its Raft member and asks to be added, and a demoted
    /// node (already removed from the membership by the leader) stops its manager and wipes its
    /// Raft data so that a later promotion starts clean.
    /// </summary>
    private async Task ChangeRoleAsync(NodeRole wanted, CancellationToken ct)
    {
        if (certs is null || (certs.Identity.Role == wanted && (wanted == NodeRole.Manager) == (manager is not null)))
        {
            return;
        }
        try
        {
            await gate.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (state is null || certs is null || renewer is null)
            {
                return;
            }
            if (certs.Identity.Role != wanted && !await renewer.TryRenewAsync(ct))
            {
                return; // the next session info tries again
            }
            var role = certs.Identity.Role;
            if (role == NodeRole.Manager && manager is null)
            {
                var remote = KnownManagers().FirstOrDefault();
                if (remote is null)
                {
                    return;
                }
                var promoted = state with { Role = NodeRole.Manager };
                manager = await StartManagerAsync(promoted, ManagerStart.Join, ct);
                await manager.JoinAsync(remote, ct);
                state = promoted;
                state.Save(StateFile);
                LogRoleChanged(state.NodeId, "manager");
            }
            else if (role == NodeRole.Worker && manager is not null)
            {
                await manager.DisposeAsync();
                manager = null;
                if (Directory.Exists(RaftDir))
                {
                    Directory.Delete(RaftDir, recursive: true);
                }
                state = state with { Role = NodeRole.Worker };
                state.Save(StateFile);
                LogRoleChanged(state.NodeId, "worker");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            LogRoleChangeFailed(wanted.ToString(), e.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "node {NodeId} is now a {Role}")]
    private partial void LogRoleChanged(string nodeId, string role);

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "changing role to {Role} failed: {Reason}")]
    private partial void LogRoleChangeFailed(string role, string reason);
}
