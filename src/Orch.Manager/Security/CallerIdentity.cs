using Grpc.Core;
using Orch.Security;

namespace Orch.Manager.Security;

/// <summary>The node behind a call, as <see cref="ClusterAuthorization"/> verified it.</summary>
internal static class CallerIdentity
{
    private const string Key = "orch.node";

    public static void Set(ServerCallContext context, NodeIdentity identity) => context.UserState[Key] = identity;

    /// <summary>The verified caller; only null for the anonymous join calls.</summary>
    public static NodeIdentity? Get(ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var v) ? v as NodeIdentity : null;

    public static NodeIdentity Require(ServerCallContext context) =>
        Get(context) ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "a node certificate of this swarm is required"));
}
