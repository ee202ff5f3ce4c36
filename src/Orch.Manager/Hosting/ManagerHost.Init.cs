using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.Control;
using Orch.Manager.Security;
using Orch.Manager.State;
using Orch.Security;

namespace Orch.Manager.Hosting;

public sealed partial class ManagerHost
{
    /// <summary>
    /// `swarm init`: a new cluster id and root CA, this node's manager certificate (written to
    /// <paramref name="certificatesDir"/>), a one-member Raft cluster, and the first command (the
    /// cluster object with both join tokens, and this node).
    /// </summary>
    public static async Task<(ManagerHost Host, NodeCertificates Certificates, SwarmInitResponse Response)> InitAsync(
        ManagerHostOptions options, SwarmInitRequest request, NodeDescription self, string certificatesDir, ILoggerFactory loggers, CancellationToken ct)
    {
        var clusterId = ObjectIds.New();
        var nodeId = ObjectIds.New();
        var spec = new ClusterSpec
        {
            Name = "default",
            DispatcherHeartbeatPeriod = request.DispatcherHeartbeat is { } hb && hb.ToTimeSpan() > TimeSpan.Zero
                ? hb : Duration.FromTimeSpan(SwarmInit.DefaultHeartbeat),
            TaskHistoryLimit = request.TaskHistoryLimit > 0 ? request.TaskHistoryLimit : SwarmInit.DefaultTaskHistoryLimit,
            NodeCertExpiry = request.CertExpiry is { } ce && ce.ToTimeSpan() > TimeSpan.Zero
                ? ce : Duration.FromTimeSpan(RootCa.DefaultNodeValidity),
        };
        using var ca = RootCa.Create(clusterId, options.Time);
        var (key, csr) = NodeCertificates.NewKeyAndCsr();
        NodeCertificates certs;
        using (key)
        {
            using var cert = ca.IssueNodeCertificate(csr, new NodeIdentity(nodeId, NodeRole.Manager, clusterId), spec.NodeCertExpiry.ToTimeSpan());
            certs = NodeCertificates.Save(certificatesDir, key, cert.ExportCertificatePem(), ca.CertificatePem);
        }
        var host = await StartAsync(options, certs, RaftBootstrap.Init, loggers, ct);
        try
        {
            await host.store.WaitForLeadershipAsync(ct);
            var node = new Node
            {
                Id = nodeId,
                Spec = new NodeSpec { Role = NodeRole.Manager, Availability = NodeAvailability.Active },
                Description = self,
                Status = new NodeStatus
                {
                    State = NodeState.Ready,
                    Addr = options.Advertise.ToString(),
                    CertExpiry = Timestamp.FromDateTimeOffset(certs.NotAfter),
                },
                ManagerStatus = new ManagerStatus { RaftAddr = options.RaftAdvertise.ToString(), ApiAddr = options.ApiAddress },
            };
            var result = await host.store.ProposeAsync(SwarmInit.Build(clusterId, node, ca, spec), ct);
            CommandErrors.ThrowIfFailed(result);
            var tokens = result.Objects.First(o => o.KindCase == StoreObject.KindOneofCase.Cluster).Cluster.RootCa.JoinTokens;
            return (host, certs, new SwarmInitResponse
            {
                NodeId = nodeId,
                WorkerToken = tokens.Worker,
                ManagerToken = tokens.Manager,
                ManagerAddr = options.ApiAddress,
            });
        }
        catch
        {
            await host.DisposeAsync();
            certs.Dispose();
            throw;
        }
    }
}
