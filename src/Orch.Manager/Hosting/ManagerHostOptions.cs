using System.Net;

namespace Orch.Manager.Hosting;

/// <summary>Where a manager keeps its state and how others reach it.</summary>
public sealed class ManagerHostOptions
{
    /// <summary>Raft state (snapshots, WAL, membership), under the node's data root.</summary>
    public required string DataDir { get; init; }

    /// <summary>The cluster port (gRPC over mutual TLS); Raft listens on the next port.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The IP other nodes use to reach this manager.</summary>
    public required IPAddress Advertise { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>This node's engine images (pinning, serving, copies); null for a manager without an engine (tests).</summary>
    public Distribution.ILocalImages? Images { get; init; }

    public IPEndPoint RaftListen => new(Listen.Address, Listen.Port + 1);

    public IPEndPoint RaftAdvertise => new(Advertise, Listen.Port + 1);

    /// <summary>host:port of the control API as other nodes dial it.</summary>
    public string ApiAddress => new IPEndPoint(Advertise, Listen.Port).ToString();
}

/// <summary>How a manager's Raft member starts (the public face of the store's bootstrap modes).</summary>
public enum ManagerStart
{
    /// <summary>From its data dir, as before a restart.</summary>
    Restart,

    /// <summary>Empty, waiting in standby for the leader to add it (swarm join as manager).</summary>
    Join,

    /// <summary>Keep the state, drop the old membership: a new one-manager cluster (swarm init --force-new-cluster).</summary>
    ForceNewCluster,
}
