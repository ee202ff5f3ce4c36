using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Security;

namespace Orch.Agent.Joining;

/// <summary>
/// The joining side of `swarm join`: fetch the manager's root CA certificate, check it against the
/// token's digest, and only then — over TLS that trusts just that CA — present the secret with a
/// CSR. The private key never leaves this node.
/// </summary>
public static class JoinClient
{
    /// <exception cref="RpcException">INVALID_ARGUMENT for a malformed token, PERMISSION_DENIED when the CA
    /// does not match or the manager refuses the token, UNAVAILABLE when the manager cannot be reached.</exception>
    public static async Task<(NodeCertificates Certificates, IssueNodeCertificateResponse Response)> JoinAsync(
        string token, string remote, string advertiseAddr, NodeDescription description, string certificatesDir, CancellationToken ct)
    {
        if (!JoinToken.TryParse(token, out var parsed, out var error))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));
        }
        X509Certificate2 ca;
        // Any server certificate is fine here: nothing secret is sent, and the digest check below decides.
        using (var open = GrpcChannel.ForAddress($"https://{remote}", new GrpcChannelOptions { HttpHandler = ClusterTls.JoinHandler(_ => true) }))
        {
            var root = await new NodeCA.NodeCAClient(open).GetRootCertificateAsync(new GetRootCertificateRequest(),
                deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct);
            ca = X509Certificate2.CreateFromPem(root.CaCertPem);
        }
        using (ca)
        {
            if (!parsed!.MatchesCa(ca.RawData))
            {
                throw new RpcException(new Status(StatusCode.PermissionDenied,
                    $"the manager at {remote} presented a root CA whose digest does not match the join token (a different swarm, or someone in between); nothing was sent"));
            }
            using var pinned = GrpcChannel.ForAddress($"https://{remote}", new GrpcChannelOptions
            {
                HttpHandler = ClusterTls.JoinHandler(cert => ClusterTls.VerifiesChain(ca, cert, TimeProvider.System)),
            });
            var (key, csr) = NodeCertificates.NewKeyAndCsr();
            using (key)
            {
                var response = await new NodeCA.NodeCAClient(pinned).IssueNodeCertificateAsync(new IssueNodeCertificateRequest
                {
                    Token = token,
                    CsrPem = csr,
                    Description = description,
                    AdvertiseAddr = advertiseAddr,
                }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
                return (NodeCertificates.Save(certificatesDir, key, response.CertPem, ca.ExportCertificatePem()), response);
            }
        }
    }
}
