using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Manager.Security;
using Orch.Security;

namespace Orch.Manager.State;

/// <summary>
/// The first command of a new swarm: the cluster object (defaults as Docker's, a fresh root CA
/// and both join tokens) and the initialising node as leader-to-be manager. The caller proposes
/// it once its one-member Raft cluster has a leader.
/// </summary>
internal static class SwarmInit
{
    public static readonly TimeSpan DefaultHeartbeat = TimeSpan.FromSeconds(5);
    public const long DefaultTaskHistoryLimit = 5;

    public static Command Build(string clusterId, Node self, RootCa ca, ClusterSpec? spec = null)
    {
        var cluster = new Cluster
        {
            Id = clusterId,
            Spec = spec ?? new ClusterSpec
            {
                Name = "default",
                DispatcherHeartbeatPeriod = Duration.FromTimeSpan(DefaultHeartbeat),
                TaskHistoryLimit = DefaultTaskHistoryLimit,
            },
            RootCa = new RootCA
            {
                CaCertPem = ca.CertificatePem,
                CaKeyPem = ca.ExportKeyPem(),
                CaCertDigest = ca.Digest,
                JoinTokens = new JoinTokens
                {
                    Worker = JoinToken.Generate(ca.Certificate.RawData).ToString(),
                    Manager = JoinToken.Generate(ca.Certificate.RawData).ToString(),
                },
            },
        };
        var node = self.Clone();
        node.Spec ??= new NodeSpec();
        node.Spec.Role = NodeRole.Manager;
        node.Status ??= new NodeStatus();
        node.Status.State = NodeState.Ready;
        return new Command
        {
            RequestId = "swarm-init-" + clusterId,
            Ops =
            {
                new Op { Create = new CreateOp { Object = StoreObjects.Wrap(cluster) } },
                new Op { Create = new CreateOp { Object = StoreObjects.Wrap(node) } },
            },
        };
    }
}
