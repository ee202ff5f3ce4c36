using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using NodeRole = Orch.Api.V1.Objects.NodeRole;
using Orch.Manager.State;
using Orch.Security;

namespace Orch.Manager.Security;

/// <summary>
/// Who may call what on the cluster port. TLS has already checked that a presented certificate
/// chains to the cluster CA; this adds the rules TLS cannot know:
/// <list type="bullet">
/// <item>without a certificate only the two join calls (root certificate, certificate for a token);</item>
/// <item>the node must still be in the store (a removed node's certificate is refused);</item>
/// <item>Control and RaftProxy need a manager certificate of a node whose role is manager;</item>
/// <item>everything else (Dispatcher, NodeCA renewal, Distribution — the managers' read-only image content)
/// is open to any node certificate of the cluster.</item>
/// </list>
/// </summary>
internal sealed class ClusterAuthorization(IReplicatedStore store, NodeCertificates certs, TimeProvider time) : Interceptor
{
    private static readonly HashSet<string> Anonymous = new(StringComparer.Ordinal)
    {
        "/orch.v1.NodeCA/GetRootCertificate",
        "/orch.v1.NodeCA/IssueNodeCertificate",
    };

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async System.Threading.Tasks.Task AuthorizeAsync(ServerCallContext context)
    {
        var cert = context.GetHttpContext().Connection.ClientCertificate;
        if (cert is null)
        {
            if (Anonymous.Contains(context.Method))
            {
                return;
            }
            throw Denied(StatusCode.Unauthenticated, "a node certificate of this swarm is required");
        }
        if (!ClusterTls.Verify(certs.CaCertificate, cert, time, out var identity, out var reason))
        {
            throw Denied(StatusCode.Unauthenticated, reason);
        }
        var node = store.ReadLocal(s => s.GetNode(identity!.NodeId));
        if (node is null)
        {
            // A node that joined a moment ago may not be applied here yet: ask the leader's view once.
            try
            {
                node = await store.ReadAsync(s => s.GetNode(identity!.NodeId), context.CancellationToken);
            }
            catch (StoreUnavailableException e)
            {
                throw Denied(StatusCode.Unavailable, e.Message);
            }
        }
        if (node is null)
        {
            throw Denied(StatusCode.PermissionDenied, $"node {identity!.NodeId} is not a member of this swarm (it was removed)");
        }
        var managerOnly = context.Method.StartsWith("/orch.v1.Control/", StringComparison.Ordinal)
            || context.Method.StartsWith("/orch.v1.RaftProxy/", StringComparison.Ordinal);
        if (managerOnly && (identity!.Role != NodeRole.Manager || node.Spec?.Role != NodeRole.Manager))
        {
            throw Denied(StatusCode.PermissionDenied,
                $"node {identity!.NodeId} is a worker: only managers may call {context.Method}");
        }
        CallerIdentity.Set(context, identity!);
    }

    private static RpcException Denied(StatusCode code, string message) => new(new Status(code, message));

    /// <summary>Kestrel's check at the handshake: a presented certificate must chain to the CA.</summary>
    public static bool ValidateAtHandshake(NodeCertificates certs, TimeProvider time, X509Certificate2 cert) =>
        ClusterTls.Verify(certs.CaCertificate, cert, time, out _, out _);
}
