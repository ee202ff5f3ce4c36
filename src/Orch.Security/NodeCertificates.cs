using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orch.Security;

/// <summary>
/// This node's TLS identity: its private key and certificate (CN = node id, OU = role) and the
/// cluster's root CA certificate it trusts. Kept on disk under the data root (key 0600, each file
/// written whole or not at all) and swapped in place on renewal, so listeners and clients that
/// select the certificate per handshake pick up the new one without a restart.
/// </summary>
public sealed class NodeCertificates : IDisposable
{
    private const string KeyFileName = "node.key";
    private const string CertFileName = "node.crt";
    private const string CaFileName = "ca.crt";

    private readonly string dir;
    private volatile X509Certificate2 certificate;

    private NodeCertificates(string dir, X509Certificate2 certificate, X509Certificate2 ca)
    {
        this.dir = dir;
        this.certificate = certificate;
        CaCertificate = ca;
        Identity = NodeIdentity.FromCertificate(certificate)
            ?? throw new InvalidDataException($"{Path.Combine(dir, CertFileName)} is not an orch node certificate");
    }

    /// <summary>Where the files live.</summary>
    public string Location => dir;

    /// <summary>The current certificate, with its private key.</summary>
    public X509Certificate2 Certificate => certificate;

    public X509Certificate2 CaCertificate { get; }

    /// <summary>Who this node is, as its current certificate says (the role changes on promote/demote).</summary>
    public NodeIdentity Identity { get; private set; }

    public DateTimeOffset NotAfter => new(certificate.NotAfter.ToUniversalTime());

    public DateTimeOffset NotBefore => new(certificate.NotBefore.ToUniversalTime());

    /// <summary>Raised after a renewal swapped the certificate.</summary>
    public event Action? Renewed;

    /// <summary>Loads the identity saved by <see cref="Save"/>, or null when the node has none (never joined).</summary>
    public static NodeCertificates? Load(string dir)
    {
        var certPath = Path.Combine(dir, CertFileName);
        if (!File.Exists(certPath))
        {
            return null;
        }
        var cert = X509Certificate2.CreateFromPem(File.ReadAllText(certPath), File.ReadAllText(Path.Combine(dir, KeyFileName)));
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, CaFileName)));
        return new NodeCertificates(dir, cert, ca);
    }

    /// <summary>A fresh ECDSA P-256 key and a CSR for it. The CA ignores the CSR's subject.</summary>
    public static (ECDsa Key, string CsrPem) NewKeyAndCsr()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=orch-node", key, HashAlgorithmName.SHA256);
        return (key, csr.CreateSigningRequestPem());
    }

    /// <summary>Writes key (0600), certificate and CA certificate, then loads them. The CA file last: it marks a complete set.</summary>
    public static NodeCertificates Save(string dir, ECDsa key, string certPem, string caPem)
    {
        Directory.CreateDirectory(dir);
        WriteFiles(dir, key, certPem);
        AtomicWrite(Path.Combine(dir, CaFileName), caPem);
        return Load(dir) ?? throw new InvalidOperationException($"{dir}: certificates vanished after writing");
    }

    /// <summary>Installs a renewed certificate for a new key; handshakes from now on present it.</summary>
    public void Replace(ECDsa key, string certPem)
    {
        var fresh = X509Certificate2.CreateFromPem(certPem, key.ExportPkcs8PrivateKeyPem());
        var identity = NodeIdentity.FromCertificate(fresh) ?? throw new InvalidDataException("the renewed certificate is not an orch node certificate");
        if (identity.NodeId != Identity.NodeId)
        {
            throw new InvalidDataException($"the renewed certificate is for node {identity.NodeId}, not {Identity.NodeId}");
        }
        WriteFiles(dir, key, certPem);
        certificate = fresh;
        Identity = identity;
        Renewed?.Invoke();
    }

    /// <summary>Forgets the identity (swarm leave): the files go, the process keeps nothing usable.</summary>
    public static void Delete(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WriteFiles(string dir, ECDsa key, string certPem)
    {
        // Key before certificate: a crash in between leaves the old certificate with a key that does
        // not match it; Load then fails loudly instead of presenting a mismatched pair.
        KeyFile.WritePrivate(Path.Combine(dir, KeyFileName), key.ExportPkcs8PrivateKeyPem());
        AtomicWrite(Path.Combine(dir, CertFileName), certPem);
    }

    private static void AtomicWrite(string path, string text)
    {
        var temp = path + ".tmp";
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            f.Write(System.Text.Encoding.ASCII.GetBytes(text));
            f.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public void Dispose()
    {
        certificate.Dispose();
        CaCertificate.Dispose();
    }
}
