using Microsoft.Extensions.Logging;

namespace Orch.Engine.Network;

public sealed partial class BridgeNetworkDriver
{
    [LoggerMessage(Level = LogLevel.Information, Message = "network bridge {Bridge} ready on {Subnet}, {Leases} leases reloaded in {Ms:F1} ms")]
    private partial void LogInitialized(string bridge, string subnet, int leases, double ms);

    [LoggerMessage(Level = LogLevel.Debug, Message = "container {ContainerId} attached: {Address} via {HostInterface} (pid {Pid}, {Ports} ports) in {Ms:F1} ms")]
    private partial void LogAttached(string containerId, string address, string hostInterface, int pid, int ports, double ms);

    [LoggerMessage(Level = LogLevel.Debug, Message = "container {ContainerId} detached, {Address} released")]
    private partial void LogDetached(string containerId, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "container {ContainerId}: cannot delete veth {HostInterface}, address kept: {Error}")]
    private partial void LogReleaseFailed(string containerId, string hostInterface, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId}: veth gone, lease of {Address} released")]
    private partial void LogStaleLease(string containerId, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "network bridge {Bridge} torn down")]
    private partial void LogTornDown(string bridge);
}
