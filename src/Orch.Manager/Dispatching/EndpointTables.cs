using Orch.Api.V1.Objects;
using TaskObject = Orch.Api.V1.Objects.Task;

namespace Orch.Manager.Dispatching;

/// <summary>
/// Derives the load balancers' endpoint table from the store (pure: state in, table out). One
/// entry per ingress-published port of every service; its backends are the service's tasks that
/// run on a Ready node and whose agent reported the ephemeral host port for that target port.
/// A task whose desired state left RUNNING stays in the table, marked draining, until it stops:
/// the balancers then send it no new connection while its open connections keep flowing, which
/// is what lets the agent stop it without failing a request (issue 6).
/// </summary>
internal static class EndpointTables
{
    public static EndpointTable Build(IEnumerable<Service> services, IEnumerable<TaskObject> tasks, IEnumerable<Node> nodes)
    {
        var addresses = nodes
            .Where(n => n.Status?.State == NodeState.Ready && n.Status.Addr.Length > 0)
            .ToDictionary(n => n.Id, n => HostOf(n.Status.Addr), StringComparer.Ordinal);
        var running = tasks
            .Where(t => t.Status?.State == TaskState.Running && addresses.ContainsKey(t.NodeId))
            .GroupBy(t => t.ServiceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(t => t.Id, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var table = new EndpointTable();
        foreach (var service in services.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            foreach (var port in service.Spec?.Endpoint?.Ports ?? [])
            {
                if (port.PublishMode != PublishMode.Ingress || port.PublishedPort == 0)
                {
                    continue;
                }
                var endpoint = new ServiceEndpoint
                {
                    ServiceId = service.Id,
                    ServiceName = service.Spec!.Name,
                    Protocol = port.Protocol,
                    PublishedPort = port.PublishedPort,
                    TargetPort = port.TargetPort,
                    ProxyProtocol = port.ProxyProtocol,
                };
                foreach (var task in running.GetValueOrDefault(service.Id) ?? [])
                {
                    var bound = task.PublishedPorts.FirstOrDefault(p => p.Protocol == port.Protocol && p.TargetPort == port.TargetPort
                        && p.PublishMode == PublishMode.Ingress && p.PublishedPort != 0);
                    if (bound is null)
                    {
                        continue;
                    }
                    endpoint.Backends.Add(new EndpointBackend
                    {
                        TaskId = task.Id,
                        NodeId = task.NodeId,
                        Address = addresses[task.NodeId],
                        Port = bound.PublishedPort,
                        Healthy = task.Status.Health is TaskHealth.Unspecified or TaskHealth.Healthy,
                        Draining = task.DesiredState > TaskState.Running,
                    });
                }
                table.Endpoints.Add(endpoint);
            }
        }
        return table;
    }

    /// <summary>"10.0.0.5:2377" → "10.0.0.5"; "[fe80::1]:2377" → "fe80::1"; a bare address stays.</summary>
    internal static string HostOf(string addr)
    {
        if (addr.StartsWith('['))
        {
            var end = addr.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? addr[1..end] : addr;
        }
        var colon = addr.LastIndexOf(':');
        return colon > 0 && addr.IndexOf(':', StringComparison.Ordinal) == colon ? addr[..colon] : addr;
    }
}
