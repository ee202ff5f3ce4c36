using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orch.Api.V1.Objects;
using Orch.Manager.Security;
using Orch.Security;

namespace Orch.Manager.Tests.Security;

public sealed class RootCaTests
{
    private static string NewCsr(out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // The subject a node asks for is ignored: the identity comes from the cluster.
        return new CertificateRequest("CN=i-want-to-be-a-manager", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    [Fact]
    public void Create_EcdsaP256SelfSignedCa_DigestMatchesTokens()
    {
        using var ca = RootCa.Create("cluster-1", TimeProvider.System);

        Assert.Equal("1.2.840.10045.2.1", ca.Certificate.PublicKey.Oid.Value); // id-ecPublicKey
        using var pub = ca.Certificate.GetECDsaPublicKey()!;
        Assert.Equal(256, pub.KeySize);
        Assert.True(ca.Certificate.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.True(JoinToken.Generate(ca.Certificate.RawData).MatchesCa(ca.Certificate.RawData));
        Assert.Equal(JoinToken.DigestOf(ca.Certificate.RawData), ca.Digest);
    }

    [Fact]
    public void IssueNodeCertificate_SubjectFromCluster_VerifiesAgainstCa()
    {
        using var ca = RootCa.Create("cluster-1", TimeProvider.System);
        var csr = NewCsr(out var key);
        using var _ = key;

        using var cert = ca.IssueNodeCertificate(csr, new NodeIdentity("node-abc", NodeRole.Worker, "cluster-1"));

        Assert.Equal(new NodeIdentity("node-abc", NodeRole.Worker, "cluster-1"), NodeIdentity.FromCertificate(cert));
        Assert.True(ca.Verifies(cert, out var reason), reason);
        using var certKey = cert.GetECDsaPublicKey()!;
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), certKey.ExportSubjectPublicKeyInfo());
        Assert.False(cert.HasPrivateKey);
    }

    [Fact]
    public void Verifies_CertificateFromAnotherCluster_RefusedWithReason()
    {
        using var ours = RootCa.Create("cluster-1", TimeProvider.System);
        using var theirs = RootCa.Create("cluster-2", TimeProvider.System);
        var csr = NewCsr(out var key);
        using var _ = key;
        using var foreign = theirs.IssueNodeCertificate(csr, new NodeIdentity("node-x", NodeRole.Manager, "cluster-2"));

        Assert.False(ours.Verifies(foreign, out var reason));
        Assert.NotEmpty(reason);
    }

    [Fact]
    public void IssueNodeCertificate_TamperedCsr_Refused()
    {
        using var ca = RootCa.Create("cluster-1", TimeProvider.System);
        var csr = NewCsr(out var key);
        using var _ = key;
        var der = Convert.FromBase64String(string.Concat(csr.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        der[^5] ^= 0x01; // inside the signature
        var tampered = PemEncoding.WriteString("CERTIFICATE REQUEST", der);

        Assert.ThrowsAny<CryptographicException>(() => ca.IssueNodeCertificate(tampered, new NodeIdentity("n", NodeRole.Worker, "cluster-1")));
    }

    [Fact]
    public void ExportAndLoad_SameCaSignsVerifiableCertificates_KeyFileIs0600()
    {
        var dir = Directory.CreateTempSubdirectory("orch-ca-");
        try
        {
            using var ca = RootCa.Create("cluster-1", TimeProvider.System);
            var keyPath = Path.Combine(dir.FullName, "ca.key");
            KeyFile.WritePrivate(keyPath, ca.ExportKeyPem());
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));

            using var loaded = RootCa.Load(ca.CertificatePem, File.ReadAllText(keyPath), TimeProvider.System);
            var csr = NewCsr(out var key);
            using var _ = key;
            using var cert = loaded.IssueNodeCertificate(csr, new NodeIdentity("n1", NodeRole.Manager, "cluster-1"));
            Assert.True(ca.Verifies(cert, out var reason), reason);
            Assert.Equal(ca.Digest, loaded.Digest);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
