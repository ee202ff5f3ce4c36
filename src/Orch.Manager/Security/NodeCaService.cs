using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;
using Orch.Security;

namespace Orch.Manager.Security;

/// <summary>
/// Joining and renewal (any manager answers; the node object is written through the leader).
/// The joiner has already checked our CA certificate against its token's digest before it calls
/// <see cref="IssueNodeCertificate"/>, so the secret only ever goes to the right cluster.
/// </summary>
internal sealed partial class NodeCaService(IReplicatedStore store, CertificateAuthority ca, ILogger<NodeCaService> logger) : NodeCA.NodeCABase
{
    public override Task<RootCertificate> GetRootCertificate(GetRootCertificateRequest request, ServerCallContext context)
    {
        var cluster = ca.LocalCluster ?? throw Unavailable("this manager has no cluster state yet");
        return System.Threading.Tasks.Task.FromResult(new RootCertificate { CaCertPem = cluster.RootCa.CaCertPem });
    }

    public override async Task<IssueNodeCertificateResponse> IssueNodeCertificate(IssueNodeCertificateRequest request, ServerCallContext context)
    {
        var cluster = await ReadClusterAsync(context.CancellationToken);
        var role = RoleOf(request.Token, cluster);
        var nodeId = ObjectIds.New();
        using var cert = Sign(cluster, request.CsrPem, new NodeIdentity(nodeId, role, cluster.Id));
        var node = new Node
        {
            Id = nodeId,
            Spec = new NodeSpec { Role = role, Availability = NodeAvailability.Active },
            Description = request.Description ?? new NodeDescription(),
            Status = new NodeStatus
            {
                State = NodeState.Unknown,
                Addr = request.AdvertiseAddr,
                CertExpiry = Timestamp.FromDateTime(cert.NotAfter.ToUniversalTime()),
            },
        };
        var result = await Propose(new Command { Ops = { new Op { Create = new CreateOp { Object = StoreObjects.Wrap(node) } } } }, context);
        Orch.Manager.Control.CommandErrors.ThrowIfFailed(result);
        LogJoined(nodeId, role.ToString(), request.AdvertiseAddr, request.Description?.Hostname ?? "");
        var response = new IssueNodeCertificateResponse
        {
            NodeId = nodeId,
            Role = role,
            CertPem = cert.ExportCertificatePem(),
            CaCertPem = cluster.RootCa.CaCertPem,
            ClusterId = cluster.Id,
        };
        response.Managers.AddRange(ManagerAddresses(store));
        return response;
    }

    public override async Task<RenewNodeCertificateResponse> RenewNodeCertificate(RenewNodeCertificateRequest request, ServerCallContext context)
    {
        var caller = CallerIdentity.Require(context);
        var cluster = await ReadClusterAsync(context.CancellationToken);
        var node = await store.ReadAsync(s => s.GetNode(caller.NodeId), context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.PermissionDenied, $"node {caller.NodeId} was removed from the swarm"));
        // The role comes from the store, not the old certificate: renewal is how promotion and demotion reach the node.
        var role = node.Spec?.Role ?? NodeRole.Worker;
        using var cert = Sign(cluster, request.CsrPem, new NodeIdentity(caller.NodeId, role, cluster.Id));
        node.Status ??= new NodeStatus();
        node.Status.CertExpiry = Timestamp.FromDateTime(cert.NotAfter.ToUniversalTime());
        // Best effort: the expiry shown by `node inspect`; a conflict with a concurrent write is harmless.
        await Propose(new Command { Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(node) } } } }, context);
        LogRenewed(caller.NodeId, role.ToString(), cert.NotAfter);
        return new RenewNodeCertificateResponse { CertPem = cert.ExportCertificatePem(), Role = role };
    }

    /// <summary>Control addresses of the managers, the leader's first.</summary>
    internal static List<string> ManagerAddresses(IReplicatedStore store)
    {
        var leaderRaft = store.Leader?.RaftAddress;
        return store.ReadLocal(s => s.ListNodes())
            .Where(n => n.ManagerStatus is { ApiAddr.Length: > 0 })
            .OrderBy(n => n.ManagerStatus.RaftAddr == leaderRaft ? 0 : 1)
            .Select(n => n.ManagerStatus.ApiAddr)
            .ToList();
    }

    private static NodeRole RoleOf(string text, Cluster cluster)
    {
        if (!JoinToken.TryParse(text, out var presented, out var error))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
        if (presented!.CaDigest != cluster.RootCa.CaCertDigest)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                "the join token is for a different swarm: its CA digest does not match this swarm's root CA"));
        }
        var tokens = cluster.RootCa.JoinTokens;
        if (JoinToken.TryParse(tokens.Manager, out var manager, out _) && manager!.SecretMatches(presented))
        {
            return NodeRole.Manager;
        }
        if (JoinToken.TryParse(tokens.Worker, out var worker, out _) && worker!.SecretMatches(presented))
        {
            return NodeRole.Worker;
        }
        throw new RpcException(new Status(StatusCode.PermissionDenied,
            "invalid join token: the secret is wrong or was rotated away (get a current one with `orch swarm join-token`)"));
    }

    private System.Security.Cryptography.X509Certificates.X509Certificate2 Sign(Cluster cluster, string csrPem, NodeIdentity identity)
    {
        try
        {
            return ca.Issue(cluster, csrPem, identity);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"malformed certificate signing request: {e.Message}"));
        }
    }

    private async Task<Cluster> ReadClusterAsync(CancellationToken ct)
    {
        try
        {
            return await store.ReadAsync(s => s.GetCluster(), ct) ?? throw Unavailable("this manager has no cluster state yet");
        }
        catch (StoreUnavailableException e)
        {
            throw Unavailable(e.Message);
        }
    }

    private async Task<CommandResult> Propose(Command command, ServerCallContext context)
    {
        try
        {
            return await store.ProposeAsync(command, context.CancellationToken);
        }
        catch (StoreUnavailableException e)
        {
            throw Unavailable(e.Message);
        }
    }

    private static RpcException Unavailable(string message) => new(new Status(StatusCode.Unavailable, message));

    [LoggerMessage(Level = LogLevel.Information, Message = "node {NodeId} joined as {Role} from {Addr} ({Hostname})")]
    private partial void LogJoined(string nodeId, string role, string addr, string hostname);

    [LoggerMessage(Level = LogLevel.Information, Message = "renewed the certificate of node {NodeId} ({Role}) until {NotAfter}")]
    private partial void LogRenewed(string nodeId, string role, DateTime notAfter);
}
