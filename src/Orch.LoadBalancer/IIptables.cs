namespace Orch.LoadBalancer;

/// <summary>The two iptables calls the kernel fast path makes (orchd runs them with the engine's host command helper).</summary>
public interface IIptables
{
    /// <summary>`iptables-save -c`: every table with packet and byte counters.</summary>
    Task<string> SaveAsync(CancellationToken ct);

    /// <summary>`iptables-restore --noflush -w`: one transaction.</summary>
    Task RestoreAsync(string script, CancellationToken ct);
}
