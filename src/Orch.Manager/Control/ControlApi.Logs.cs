using Grpc.Core;
using Orch.Api.V1;
using Orch.Manager.Dispatching;
using Orch.Manager.State;

namespace Orch.Manager.Control;

// orch service logs. Only the leader holds the agents' sessions, so a follower forwards the whole
// call to the leader (as writes are forwarded) and relays its stream.
internal sealed partial class ControlApi
{
    public override async System.Threading.Tasks.Task ServiceLogs(ServiceLogsRequest request, IServerStreamWriter<ServiceLogLine> responseStream,
        ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!store.IsLeader)
        {
            await ForwardLogsAsync(request, responseStream, ct);
            return;
        }
        var (tasks, nodes) = await Guard(async () =>
        {
            var all = await store.ReadAsync(s => (Tasks: s.ListTasks(), Nodes: s.ListNodes()), ct);
            return (await LogTasksAsync(request.Id, all.Tasks, ct), all.Nodes);
        });
        var names = nodes.ToDictionary(n => n.Id, n => n.Description?.Hostname is { Length: > 0 } h ? h : n.Id, StringComparer.Ordinal);
        var byNode = tasks.GroupBy(t => t.NodeId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        await using var stream = await logs.OpenAsync(request, byNode, id => names.GetValueOrDefault(id, id), TimeProvider.System, ct);
        try
        {
            await foreach (var line in stream.ReadAllAsync(ct))
            {
                await responseStream.WriteAsync(line, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The caller stopped following.
        }
    }

    /// <summary>The tasks whose logs are asked for: one task by id, or every placed task of a service.</summary>
    private async Task<List<Orch.Api.V1.Objects.Task>> LogTasksAsync(string reference, IReadOnlyCollection<Orch.Api.V1.Objects.Task> all, CancellationToken ct)
    {
        static bool Placed(Orch.Api.V1.Objects.Task t) => t.NodeId.Length > 0 && t.Status?.State >= Orch.Api.V1.Objects.TaskState.Assigned;
        if (reference.Length > 0 && all.FirstOrDefault(t => t.Id == reference) is { } task)
        {
            return Placed(task) ? [task] : [];
        }
        Orch.Api.V1.Objects.Service service;
        try
        {
            service = await ResolveAsync(reference, ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Docker's wording for `docker service logs NOSUCH`.
            throw new RpcException(new Status(StatusCode.NotFound, $"no such task or service: {reference}"));
        }
        return [.. all.Where(t => t.ServiceId == service.Id && Placed(t)).OrderBy(t => t.Slot).ThenBy(t => t.Id, StringComparer.Ordinal)];
    }

    private async System.Threading.Tasks.Task ForwardLogsAsync(ServiceLogsRequest request, IServerStreamWriter<ServiceLogLine> responseStream, CancellationToken ct)
    {
        // The Raft member's metadata (ApiAddress) is only known here once fetched; the node objects
        // carry every manager's control address by Raft address.
        var leaderRaft = store.Leader?.RaftAddress;
        var leader = store.Leader?.ApiAddress ?? store.ReadLocal(s => s.ListNodes())
            .FirstOrDefault(n => n.ManagerStatus is { ApiAddr.Length: > 0 } m && m.RaftAddr == leaderRaft)?.ManagerStatus.ApiAddr;
        var channel = leader is null ? null : logs.ManagerChannel(leader);
        if (channel is null)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "no leader is known; the logs are gathered by the leader, try again"));
        }
        using var call = new Orch.Api.V1.Control.ControlClient(channel).ServiceLogs(request, cancellationToken: ct);
        try
        {
            await foreach (var line in call.ResponseStream.ReadAllAsync(ct))
            {
                await responseStream.WriteAsync(line, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
        {
        }
    }
}
