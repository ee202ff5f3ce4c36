using System.Security.Cryptography.X509Certificates;
using Orch.Api.V1.Objects;

namespace Orch.Security;

/// <summary>
/// Who a node certificate speaks for: CN = node id, OU = role (swarm-manager / swarm-worker, as
/// Docker names them), O = cluster id.
/// </summary>
public sealed record NodeIdentity(string NodeId, NodeRole Role, string ClusterId)
{
    public const string ManagerOu = "swarm-manager";
    public const string WorkerOu = "swarm-worker";

    public static string OuOf(NodeRole role) => role == NodeRole.Manager ? ManagerOu : WorkerOu;

    public X500DistinguishedName Subject()
    {
        var b = new X500DistinguishedNameBuilder();
        b.AddOrganizationName(ClusterId);
        b.AddOrganizationalUnitName(OuOf(Role));
        b.AddCommonName(NodeId);
        return b.Build();
    }

    /// <summary>Reads the identity from a certificate this cluster issued; null if it has not that shape.</summary>
    public static NodeIdentity? FromCertificate(X509Certificate2 certificate)
    {
        string? cn = null, ou = null, o = null;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            switch (rdn.GetSingleElementType().FriendlyName)
            {
                case "CN": cn = rdn.GetSingleElementValue(); break;
                case "OU": ou = rdn.GetSingleElementValue(); break;
                case "O": o = rdn.GetSingleElementValue(); break;
            }
        }
        var role = ou switch
        {
            ManagerOu => NodeRole.Manager,
            WorkerOu => NodeRole.Worker,
            _ => (NodeRole?)null,
        };
        return cn is { Length: > 0 } && role is { } r && o is not null ? new NodeIdentity(cn, r, o) : null;
    }
}
