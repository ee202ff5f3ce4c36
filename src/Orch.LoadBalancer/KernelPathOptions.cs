namespace Orch.LoadBalancer;

/// <summary>The kernel fast path (see README "How traffic reaches a task").</summary>
public sealed class KernelPathOptions
{
    /// <summary>Prefix of the balancer's chains, unique per daemon in a network namespace (orchd: ORCH-&lt;bridge&gt;).</summary>
    public required string ChainPrefix { get; init; }

    /// <summary>Comment of the balancer's rules (orchd: orch:&lt;bridge&gt;:lb).</summary>
    public required string Comment { get; init; }

    public required IIptables Iptables { get; init; }

    public required ILocalTasks LocalTasks { get; init; }

    /// <summary>
    /// Tasks on other nodes are reached by the kernel too (DNAT to NODE:HOSTPORT and masquerade, with the SYN watch
    /// for nodes that stop answering); false leaves them to the user-space proxy (orchd --lb-remote=proxy).
    /// </summary>
    public bool RemoteTasks { get; init; } = true;

    /// <summary>
    /// The forwarding fast path's tc program (lb_fastpath.bpf.o, see Kernel/FastPath.cs) for established connections
    /// to remote tasks; null: netfilter forwards every packet (orchd --lb-fastpath off).
    /// </summary>
    public string? FastPathObject { get; init; }

    /// <summary>The node's container bridge: the fast path is attached to every IPv4 interface but this one and loopback.</summary>
    public string? Bridge { get; init; }

    /// <summary>Where the fast path records what it changed on the host, for the clean-up after a kill -9 (orchd: the exec root).</summary>
    public string? StateDirectory { get; init; }

    /// <summary>Runs a host command (tc) and returns its standard output; throws when it fails.</summary>
    public Func<string, IReadOnlyList<string>, CancellationToken, Task<string>>? RunCommand { get; init; }
}
