using Grpc.Core;
using Microsoft.Extensions.Logging;
using Orch.Agent.Session;
using Orch.Api.V1;
using NodeRole = Orch.Api.V1.Objects.NodeRole;
using Orch.Security;

namespace Orch.Agent.Security;

/// <summary>
/// Renews this node's certificate at half its lifetime (a new key each time), through any
/// manager. The role in the renewed certificate is the store's, so renewal is also how a
/// promotion or demotion reaches the node (<see cref="RoleChanged"/>).
/// </summary>
public sealed partial class CertificateRenewer(
    NodeCertificates certificates,
    ManagerChannels channels,
    Func<IReadOnlyList<string>> managers,
    TimeProvider time,
    ILogger<CertificateRenewer> logger)
{
    public event Action<NodeRole>? RoleChanged;

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var lifetime = certificates.NotAfter - certificates.NotBefore;
                var renewAt = certificates.NotBefore + lifetime / 2;
                var wait = renewAt - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, ct);
                }
                if (!await TryRenewAsync(ct))
                {
                    // Try again soon, but not in a tight loop: a tenth of what is left, 1–30 s.
                    var left = certificates.NotAfter - time.GetUtcNow();
                    await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(left.TotalSeconds / 10, 1, 30)), time, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>One renewal attempt against each known manager in turn.</summary>
    public async Task<bool> TryRenewAsync(CancellationToken ct)
    {
        foreach (var manager in managers())
        {
            var (key, csr) = NodeCertificates.NewKeyAndCsr();
            using (key)
            {
                try
                {
                    var before = certificates.Identity.Role;
                    var response = await new NodeCA.NodeCAClient(channels.For(manager)).RenewNodeCertificateAsync(
                        new RenewNodeCertificateRequest { CsrPem = csr }, deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: ct);
                    certificates.Replace(key, response.CertPem);
                    LogRenewed(certificates.NotAfter.ToString("O"), response.Role.ToString());
                    if (response.Role != before)
                    {
                        RoleChanged?.Invoke(response.Role);
                    }
                    return true;
                }
                catch (RpcException e) when (!ct.IsCancellationRequested)
                {
                    LogRenewFailed(manager, e.Status.Detail);
                }
            }
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "node certificate renewed until {NotAfter} (role {Role})")]
    private partial void LogRenewed(string notAfter, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "certificate renewal through {Manager} failed: {Reason}")]
    private partial void LogRenewFailed(string manager, string reason);
}
