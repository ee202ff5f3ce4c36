using System.Security.Cryptography.X509Certificates;
using Orch.Api.V1.Objects;
using Orch.Manager.State;
using Orch.Security;

namespace Orch.Manager.Security;

/// <summary>
/// Signs node certificates with the root CA kept in the replicated cluster object, so whichever
/// manager answers a join or a renewal can sign. The loaded CA is cached per CA digest.
/// </summary>
internal sealed class CertificateAuthority(IReplicatedStore store, TimeProvider time) : IDisposable
{
    private readonly Lock gate = new();
    private RootCa? cached;

    /// <summary>Certificate validity when the cluster spec does not say.</summary>
    public static readonly TimeSpan DefaultValidity = RootCa.DefaultNodeValidity;

    public X509Certificate2 Issue(Cluster cluster, string csrPem, NodeIdentity identity)
    {
        var validity = cluster.Spec?.NodeCertExpiry is { } d && d.ToTimeSpan() > TimeSpan.Zero ? d.ToTimeSpan() : DefaultValidity;
        return Ca(cluster).IssueNodeCertificate(csrPem, identity, validity);
    }

    private RootCa Ca(Cluster cluster)
    {
        lock (gate)
        {
            if (cached is null || cached.Digest != cluster.RootCa.CaCertDigest)
            {
                cached?.Dispose();
                cached = RootCa.Load(cluster.RootCa.CaCertPem, cluster.RootCa.CaKeyPem, time);
            }
            return cached;
        }
    }

    /// <summary>The cluster object as the local store has it (null before init has been applied).</summary>
    public Cluster? LocalCluster => store.ReadLocal(s => s.GetCluster());

    public void Dispose()
    {
        lock (gate)
        {
            cached?.Dispose();
        }
    }
}
