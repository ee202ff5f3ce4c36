using Orch.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orch.Manager.Security;

/// <summary>
/// The cluster's root certificate authority (ECDSA P-256), made at `swarm init`. It signs node
/// certificates from CSRs; it never sees a node's private key. Its certificate digest is the
/// first half of every join token.
/// </summary>
internal sealed class RootCa : IDisposable
{
    public static readonly TimeSpan RootValidity = TimeSpan.FromDays(365 * 20);
    public static readonly TimeSpan DefaultNodeValidity = TimeSpan.FromDays(90);

    private readonly X509Certificate2 certificate;
    private readonly TimeProvider time;

    private RootCa(X509Certificate2 certificate, TimeProvider time)
    {
        this.certificate = certificate;
        this.time = time;
    }

    public X509Certificate2 Certificate => certificate;

    public string CertificatePem => certificate.ExportCertificatePem();

    /// <summary>The digest joining nodes compare with their token (see <see cref="JoinToken"/>).</summary>
    public string Digest => JoinToken.DigestOf(certificate.RawData);

    public static RootCa Create(string clusterId, TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName(clusterId);
        subject.AddCommonName("orch-root-ca");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddHours(-1), now + RootValidity);
        // Re-import so the key is usable on every platform path (CreateSelfSigned's key is ephemeral).
        return new RootCa(X509Certificate2.CreateFromPem(created.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem()), time);
    }

    public static RootCa Load(string certificatePem, string keyPem, TimeProvider time) =>
        new(X509Certificate2.CreateFromPem(certificatePem, keyPem), time);

    /// <summary>PKCS#8 PEM of the CA key; store it with <see cref="KeyFile.WritePrivate"/> (0600).</summary>
    public string ExportKeyPem()
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the CA certificate has no private key");
        return key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>
    /// Signs a node certificate for the key in <paramref name="csrPem"/>. The CSR's own signature
    /// is checked (the caller holds the key), but its subject is ignored: the identity comes from
    /// the cluster (node id, role from the token that was presented).
    /// </summary>
    /// <exception cref="CryptographicException">The CSR is malformed or its signature is wrong.</exception>
    public X509Certificate2 IssueNodeCertificate(string csrPem, NodeIdentity identity, TimeSpan? validity = null)
    {
        var csr = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        var request = new CertificateRequest(identity.Subject(), csr.PublicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client auth: mutual TLS both ways
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(identity.NodeId);
        san.AddDnsName(NodeIdentity.OuOf(identity.Role));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(certificate, true, false));
        var now = time.GetUtcNow();
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive INTEGER
        return request.Create(certificate, now.AddMinutes(-5), now + (validity ?? DefaultNodeValidity), serial);
    }

    /// <summary>
    /// Checks that a presented certificate was issued by this CA and is valid now. Revocation of
    /// removed nodes is checked by the caller against the store (no CRLs).
    /// </summary>
    public bool Verifies(X509Certificate2 presented, out string reason)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        if (chain.Build(presented))
        {
            reason = "";
            return true;
        }
        reason = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
        return false;
    }

    public void Dispose() => certificate.Dispose();
}
