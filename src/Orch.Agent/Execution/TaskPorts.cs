using System.Net;
using System.Net.Sockets;
using Orch.Api.V1.Objects;
using Orch.Engine.Network;

namespace Orch.Agent.Execution;

/// <summary>
/// How a task's published ports become engine port bindings (issue 6). Host mode binds the
/// published port itself, only on this node (as Swarm). Ingress mode binds the task's target
/// port on an ephemeral host port of this node: the published port belongs to the load
/// balancer that listens on it on every node, and the balancers connect to NODE:EPHEMERAL,
/// which the engine DNATs to the task. The ephemeral port is chosen here (not by the engine)
/// so that it is recorded in the container and reported again after an agent restart.
/// </summary>
internal static class TaskPorts
{
    public static IReadOnlyList<PortBinding> Bindings(Orch.Api.V1.Objects.Task task) =>
    [
        .. (task.Endpoint?.Ports ?? []).Select(p => p.PublishMode == PublishMode.Host
            ? (p.PublishedPort > 0 ? new PortBinding("", (int)p.PublishedPort, (int)p.TargetPort, Name(p.Protocol)) : null)
            : new PortBinding("", FreePort(p.Protocol), (int)p.TargetPort, Name(p.Protocol)))
            .OfType<PortBinding>(),
    ];

    /// <summary>The ports as the agent reports them (Task.published_ports), from the container's recorded bindings.</summary>
    public static IReadOnlyList<PortConfig> Reported(Orch.Api.V1.Objects.Task task, IReadOnlyList<PortBinding> bound)
    {
        var result = new List<PortConfig>();
        foreach (var p in task.Endpoint?.Ports ?? [])
        {
            var proto = Name(p.Protocol);
            var b = bound.FirstOrDefault(b => b.ContainerPort == p.TargetPort && b.Protocol == proto
                && (p.PublishMode == PublishMode.Ingress || b.HostPort == p.PublishedPort));
            if (b is not null)
            {
                result.Add(new PortConfig
                {
                    Name = p.Name,
                    Protocol = p.Protocol,
                    TargetPort = p.TargetPort,
                    PublishedPort = (uint)b.HostPort,
                    PublishMode = p.PublishMode,
                    ProxyProtocol = p.ProxyProtocol,
                });
            }
        }
        return result;
    }

    private static string Name(PortProtocol p) => p == PortProtocol.Udp ? "udp" : "tcp";

    /// <summary>A port no socket of this node holds (bind(2) to port 0 lets the kernel pick one, then it is released).</summary>
    private static int FreePort(PortProtocol protocol)
    {
        var tcp = protocol != PortProtocol.Udp;
        using var s = new Socket(AddressFamily.InterNetwork, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
