using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Orch.Security;

/// <summary>
/// The mutual TLS policy of node-to-node traffic (gRPC and Raft): every peer presents a
/// certificate issued by the cluster's root CA; names are not checked (nodes are reached by
/// address), the chain and the orch subject shape are. Whether the node behind a valid
/// certificate still belongs to the cluster is the manager's check (it knows removed nodes).
/// </summary>
public static class ClusterTls
{
    /// <summary>Checks <paramref name="presented"/> against <paramref name="ca"/> at the current time.</summary>
    public static bool Verify(X509Certificate2 ca, X509Certificate2 presented, TimeProvider time, out NodeIdentity? identity, out string reason)
    {
        identity = null;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        if (!chain.Build(presented))
        {
            reason = "certificate not issued by this cluster's CA or expired: "
                + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
            return false;
        }
        identity = NodeIdentity.FromCertificate(presented);
        if (identity is null)
        {
            reason = "certificate is not an orch node certificate";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>True when <paramref name="presented"/> chains to <paramref name="ca"/> (a server's certificate during join).</summary>
    public static bool VerifiesChain(X509Certificate2 ca, X509Certificate2 presented, TimeProvider time) =>
        Verify(ca, presented, time, out _, out _);

    /// <summary>
    /// Server side. The client certificate is asked for but optional at the TLS layer, because a
    /// joining node has none yet; the RPC layer refuses every call but the join calls without one.
    /// A certificate that is presented must verify, or the handshake fails.
    /// </summary>
    public static SslServerAuthenticationOptions Server(NodeCertificates certs, TimeProvider time, bool requireClientCertificate) => new()
    {
        ServerCertificateSelectionCallback = (_, _) => certs.Certificate,
        ClientCertificateRequired = requireClientCertificate,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        RemoteCertificateValidationCallback = (_, cert, _, _) =>
            cert is null ? !requireClientCertificate : Verify(certs.CaCertificate, AsX509(cert), time, out _, out _),
    };

    /// <summary>Client side: presents this node's certificate and accepts only servers of the same cluster.</summary>
    public static SslClientAuthenticationOptions Client(NodeCertificates certs, TimeProvider time) => new()
    {
        TargetHost = "orch-manager",
        LocalCertificateSelectionCallback = (_, _, _, _, _) => certs.Certificate,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        RemoteCertificateValidationCallback = (_, cert, _, _) =>
            cert is not null && Verify(certs.CaCertificate, AsX509(cert), time, out _, out _),
    };

    /// <summary>An HTTP/2 handler for gRPC channels to other nodes, with mutual TLS.</summary>
    public static SocketsHttpHandler HttpHandler(NodeCertificates certs, TimeProvider time) => new()
    {
        SslOptions = Client(certs, time),
        ConnectTimeout = TimeSpan.FromSeconds(3),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        KeepAlivePingDelay = TimeSpan.FromSeconds(10),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
        EnableMultipleHttp2Connections = true,
    };

    /// <summary>
    /// A handler for a node that has no certificate yet (join): it presents none and accepts the
    /// server certificate only if <paramref name="acceptServer"/> does — first any (to fetch the CA
    /// certificate, whose digest the token pins), then only one issued by that CA.
    /// </summary>
    public static SocketsHttpHandler JoinHandler(Func<X509Certificate2, bool> acceptServer) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            TargetHost = "orch-manager",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && acceptServer(AsX509(cert)),
        },
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private static X509Certificate2 AsX509(X509Certificate cert) => cert as X509Certificate2 ?? new X509Certificate2(cert);
}
