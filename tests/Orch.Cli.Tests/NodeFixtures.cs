using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using NodeObject = Orch.Api.V1.Objects.Node;

namespace Orch.Cli.Tests;

/// <summary>Nodes as a manager returns them, for the formatting tests.</summary>
internal static class NodeFixtures
{
    public static readonly DateTimeOffset Created = new(2026, 11, 22, 21, 58, 41, TimeSpan.Zero);

    public static NodeObject Node(string id, string hostname, NodeRole role, NodeState state = NodeState.Ready,
        NodeAvailability availability = NodeAvailability.Active, string? raftAddr = null, int k = 1)
    {
        var n = new NodeObject
        {
            Id = id,
            Meta = new Meta { Version = 12, CreatedAt = Timestamp.FromDateTimeOffset(Created.AddTicks(6_274_180)), UpdatedAt = Timestamp.FromDateTimeOffset(Created.AddMinutes(1)) },
            Spec = new NodeSpec { Role = role, Availability = availability },
            Description = new NodeDescription
            {
                Hostname = hostname,
                EngineVersion = "0.1.0",
                Os = "linux",
                Architecture = "x86_64",
                Resources = new NodeResources { NanoCpus = 2_000_000_000, MemoryBytes = 2_098_552_832 },
            },
            Status = new NodeStatus { State = state, Addr = $"10.77.0.{k}", CertExpiry = Timestamp.FromDateTimeOffset(Created.AddDays(90)) },
        };
        if (raftAddr is not null)
        {
            n.ManagerStatus = new ManagerStatus { RaftAddr = raftAddr, ApiAddr = $"10.77.0.{k}:2377" };
        }
        return n;
    }
}
