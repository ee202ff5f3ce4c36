using Grpc.Core;
using Orch.Api.V1;
using Orch.Chaos.Tests.Checking;

namespace Orch.Chaos.Tests.Workload;

/// <summary>
/// Reads the state the checker judges: each manager's nodes, services and tasks (its control API reads go
/// through the read barrier) and the task containers each node's engine runs. A manager that does not answer
/// is left out and named in <see cref="Missing"/>.
/// </summary>
internal sealed class StateReader(NodeChannels nodes, IReadOnlyList<int> managers, IReadOnlyList<int> all)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public List<string> Missing { get; } = [];

    public async Task<FinalState> ReadAsync()
    {
        Missing.Clear();
        var views = new List<ManagerView>();
        foreach (var m in managers)
        {
            try
            {
                views.Add(await ViewAsync(m));
            }
            catch (RpcException e)
            {
                Missing.Add($"manager n{m}: {CallOutcome.Describe(e)}");
            }
        }
        var containers = new List<RunningContainer>();
        foreach (var k in all)
        {
            try
            {
                var r = await nodes.Engine(k).ListContainersAsync(new ListContainersRequest { All = false }, deadline: DateTime.UtcNow + Timeout);
                containers.AddRange(r.Containers.Select(c => Parse($"n{k}", c.Name)).OfType<RunningContainer>());
            }
            catch (RpcException e)
            {
                Missing.Add($"engine of n{k}: {CallOutcome.Describe(e)}");
            }
        }
        return new FinalState(views, containers);
    }

    private async Task<ManagerView> ViewAsync(int m)
    {
        var control = nodes.Control(m);
        var deadline = DateTime.UtcNow + Timeout;
        var nodeList = await control.ListNodesAsync(new ListNodesRequest(), deadline: deadline);
        var services = await control.ListServicesAsync(new ListServicesRequest(), deadline: deadline);
        var tasks = await control.ListTasksAsync(new ListTasksRequest(), deadline: deadline);
        return new ManagerView(m,
            [.. nodeList.Nodes.Select(n => new NodeView(n.Id, n.Description?.Hostname ?? "", n.Status?.State == Orch.Api.V1.Objects.NodeState.Ready,
                n.Spec?.Labels.ToDictionary(l => l.Key, l => l.Value) ?? []))],
            [.. services.Services.Select(s => new ServiceView(s.Id, s.Spec.Name, s.Spec.HasReplicas ? (int)s.Spec.Replicas : 1,
                s.Spec.Labels.TryGetValue(ChaosClient.RegisterLabel, out var v) ? v : null))],
            [.. tasks.Tasks.Select(t => new TaskView(t.Id, t.ServiceId, t.NodeId, t.Slot, t.DesiredState.ToString(), (t.Status?.State ?? default).ToString()))]);
    }

    // Task containers are named SERVICE.SLOT.TASKID (global: SERVICE.NODEID.TASKID); others are not the workload's.
    private static RunningContainer? Parse(string hostname, string name)
    {
        var parts = name.TrimStart('/').Split('.');
        return parts.Length >= 3 ? new RunningContainer(hostname, string.Join('.', parts[..^2]), parts[^1]) : null;
    }
}
