namespace Orch.Engine.Network;

/// <summary>
/// Seam for container networking on one node: the bridge network (bridge, veth per container, IPAM,
/// outbound NAT, port publishing) plus the helpers the other modes need.
/// Contract: every method is idempotent; what Attach creates, Detach removes (veth, address lease,
/// port rules); Teardown removes the bridge and every rule the driver ever added. State that must
/// survive a daemon restart (leases, published ports) is on disk under the data root.
/// </summary>
public interface INetworkDriver
{
    /// <summary>Ensures the bridge, its address, forwarding and NAT exist; reloads leases.</summary>
    Task InitializeAsync(CancellationToken ct);

    /// <summary>Connects the network namespace of <paramref name="pid"/> to the bridge and publishes ports.</summary>
    Task<NetworkAttachment> AttachAsync(string containerId, int pid, IReadOnlyList<PortBinding> ports, string? hostname, CancellationToken ct);

    /// <summary>Removes the container's veth, lease and port rules.</summary>
    Task DetachAsync(string containerId, CancellationToken ct);

    /// <summary>Brings up lo in the network namespace of <paramref name="pid"/> (mode none, and bridge).</summary>
    Task BringUpLoopbackAsync(int pid, CancellationToken ct);

    /// <summary>bridge, host and none, as `docker network ls` shows them.</summary>
    IReadOnlyList<NetworkInfo> List();

    /// <summary>Removes the bridge and every rule; called when the daemon is asked to clean up fully.</summary>
    Task TeardownAsync(CancellationToken ct);
}

/// <param name="HostIp">"" = every address of the host, including 127.0.0.1.</param>
/// <param name="Protocol">"tcp" or "udp".</param>
public sealed record PortBinding(string HostIp, int HostPort, int ContainerPort, string Protocol);

public sealed record NetworkAttachment(
    string ContainerId,
    string IPAddress,
    int PrefixLength,
    string Gateway,
    string MacAddress,
    string HostInterface,
    IReadOnlyList<PortBinding> Ports);

public sealed record NetworkInfo(string Id, string Name, string Driver, string Subnet, string Gateway);
