using System.Net;
using Orch.Api.V1.Objects;

namespace Orch.LoadBalancer.Kernel;

/// <summary>
/// One backend of a published port as the kernel plan sees it: eligible (healthy, not draining, not withdrawn by
/// this node's agent, not suspected of being unreachable); when it runs on this node, its container's address;
/// when it runs on another node and the kernel may reach it, its node's address and host port.
/// </summary>
internal sealed record KernelCandidate(string TaskId, bool Eligible, IPAddress? LocalAddress, IPEndPoint? Remote = null);

/// <summary>
/// A DNAT rule of a port's chain: new connections that reach it go to <see cref="Destination"/> when the rule's nth
/// counter says so. <see cref="Remote"/>: the destination is another node (NODE:HOSTPORT), so the connection is also
/// masqueraded (the reply must come back through this node, whose conntrack undoes the DNAT).
/// </summary>
internal sealed record KernelTarget(string TaskId, IPEndPoint Destination, int Every, int Packet, bool Remote = false);

/// <summary>The kernel's part of one published port: its DNAT rules in order (empty: the port is left wholly to user space).</summary>
internal sealed record KernelPort(PortProtocol Protocol, uint Port, IReadOnlyList<KernelTarget> Targets)
{
    public bool SameRules(KernelPort other) =>
        Protocol == other.Protocol && Port == other.Port && Targets.SequenceEqual(other.Targets, TargetComparer.Instance);

    private sealed class TargetComparer : IEqualityComparer<KernelTarget>
    {
        public static readonly TargetComparer Instance = new();

        public bool Equals(KernelTarget? a, KernelTarget? b) =>
            a is not null && b is not null && a.TaskId == b.TaskId && a.Destination.Equals(b.Destination) && a.Every == b.Every && a.Packet == b.Packet && a.Remote == b.Remote;

        public int GetHashCode(KernelTarget t) => HashCode.Combine(t.TaskId, t.Every, t.Packet);
    }
}

/// <summary>
/// Which new connections of a published port the kernel takes (pure). The eligible backends, in the
/// table's order, form the round-robin sequence every balancer walks: connection c of a cycle of N goes
/// to eligible backend c mod N. The local ones among them get a DNAT rule with an nth match; the rest of
/// the sequence falls through to the user-space listener, which walks only the backends the kernel does
/// not take. In the nat table an nth counter counts new connections only (a connection's later packets
/// skip the nat chains), and each rule counts only what the rules before it let through: rule j (0-based,
/// for the local backend at position p_j of the N eligible ones) sees N - j connections per cycle, of
/// which its own is number p_j - j, hence <c>--every N-j --packet p_j-j</c>. Over any run of whole cycles
/// every local backend gets exactly one connection per cycle and user space gets the other N - M, in
/// turn over the remote backends: exact round-robin counts, whichever path serves a backend. Remote backends the
/// kernel may reach (<see cref="KernelCandidate.Remote"/>) get a rule as well; when every eligible backend has one,
/// user space sees only loopback arrivals.
/// </summary>
internal static class KernelPlan
{
    public static KernelPort Plan(PortProtocol protocol, uint port, uint targetPort, IReadOnlyList<KernelCandidate> backends)
    {
        var eligible = backends.Where(b => b.Eligible).ToList();
        var n = eligible.Count;
        var targets = new List<KernelTarget>();
        for (var p = 0; p < n; p++)
        {
            var j = targets.Count;
            if (eligible[p].LocalAddress is { } ip)
            {
                targets.Add(new KernelTarget(eligible[p].TaskId, new IPEndPoint(ip, (int)targetPort), n - j, p - j));
            }
            else if (eligible[p].Remote is { } remote)
            {
                targets.Add(new KernelTarget(eligible[p].TaskId, remote, n - j, p - j, Remote: true));
            }
        }
        return new KernelPort(protocol, port, targets);
    }
}
