namespace Orch.Engine.Network;

/// <summary>
/// One container's place on the bridge: its address (and MAC derived from it), the host end of its veth
/// and its published ports. Persisted so that a restarted daemon rebuilds the same port rules.
/// </summary>
internal sealed record Lease(
    string ContainerId,
    string IPAddress,
    string MacAddress,
    string HostInterface,
    IReadOnlyList<PortBinding> Ports,
    string? Hostname);
