namespace Orch.LoadBalancer;

/// <summary>Knobs of a node's balancer; the defaults are what orchd runs with.</summary>
public sealed class LoadBalancerOptions
{
    /// <summary>Where published ports listen: every address of the node (tests use loopback).</summary>
    public System.Net.IPAddress ListenAddress { get; init; } = System.Net.IPAddress.Any;

    /// <summary>A backend that has not accepted within this is skipped for the next one.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>TCP keepalive on both sides: first probe after this idle time (no idle timeout closes a connection).</summary>
    public TimeSpan KeepAliveIdle { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>UDP: a client's flow (its backend choice and reply socket) is forgotten after this long without a datagram.</summary>
    public TimeSpan UdpFlowIdle { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Copy buffer per direction of a connection.</summary>
    public int BufferSize { get; init; } = 32 * 1024;

    /// <summary>DNAT in the kernel for the node's own tasks (null: every connection goes through user space).</summary>
    public KernelPathOptions? Kernel { get; init; }
}
