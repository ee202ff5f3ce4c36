using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Tests;

/// <summary>Builders for the commands tests propose.</summary>
internal static class Commands
{
    public static Node Node(string id, string hostname = "", params (string Key, string Value)[] labels)
    {
        var node = new Node
        {
            Id = id,
            Spec = new NodeSpec { Role = NodeRole.Worker, Availability = NodeAvailability.Active },
            Description = new NodeDescription { Hostname = hostname.Length > 0 ? hostname : id },
            Status = new NodeStatus { State = NodeState.Ready },
        };
        foreach (var (k, v) in labels)
        {
            node.Spec.Labels[k] = v;
        }
        return node;
    }

    public static Command Create(Node node, string requestId = "") => new()
    {
        RequestId = requestId,
        StampedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero)),
        Ops = { new Op { Create = new CreateOp { Object = StoreObjects.Wrap(node) } } },
    };

    public static Command Update(Node node, string requestId = "") => new()
    {
        RequestId = requestId,
        Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(node) } } },
    };

    public static Command Remove(string nodeId, ulong expectedVersion = 0) => new()
    {
        Ops = { new Op { Remove = new RemoveOp { Kind = ObjectKind.Node, Id = nodeId, ExpectedVersion = expectedVersion } } },
    };
}
