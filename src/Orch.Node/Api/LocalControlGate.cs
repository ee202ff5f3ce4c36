using Grpc.Core;
using Grpc.Core.Interceptors;
using Orch.Node.Swarm;
using NodeRole = Orch.Api.V1.Objects.NodeRole;

namespace Orch.Node.Api;

/// <summary>
/// The control API on the local socket is this node's manager's own (resolved per call); on a
/// worker or outside a swarm the call is refused with Docker's message instead of reaching it.
/// </summary>
internal sealed class LocalControlGate(SwarmController swarm) : Interceptor
{
    private const string Prefix = "/orch.v1.Control/";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (!context.Method.StartsWith(Prefix, StringComparison.Ordinal) || swarm.Control is not null)
        {
            return;
        }
        var message = swarm.State?.Role == NodeRole.Worker
            ? "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager."
            : "This node is not a swarm manager. Use \"orch swarm init\" or \"orch swarm join\" to connect this node to swarm and try again.";
        throw new RpcException(new Status(StatusCode.FailedPrecondition, message));
    }
}
