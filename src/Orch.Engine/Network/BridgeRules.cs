using System.Text;

namespace Orch.Engine.Network;

/// <summary>
/// The iptables rules of one bridge, rendered as iptables-restore scripts (pure: text in, text out).
/// Everything lives in three chains named after the bridge, so nothing of another daemon or of the host is
/// touched: nat ORCH-&lt;br&gt; (DNAT of published ports), nat ORCH-&lt;br&gt;-POST (masquerading), filter
/// ORCH-&lt;br&gt;-FWD (forwarding) and filter ORCH-&lt;br&gt;-IN (guarding the host's loopback). The only rules outside them are the jumps from the built-in chains, and
/// each of those carries the comment "orch:&lt;br&gt;" so teardown finds exactly ours in iptables-save.
/// </summary>
internal sealed class BridgeRules(string bridge, Ipv4Subnet subnet)
{
    public string Comment => "orch:" + bridge;
    public string DnatChain => "ORCH-" + bridge;
    public string PostChain => "ORCH-" + bridge + "-POST";
    public string ForwardChain => "ORCH-" + bridge + "-FWD";
    public string InputChain => "ORCH-" + bridge + "-IN";

    private static readonly string[] BuiltinChains = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

    /// <summary>
    /// Creates (or rebuilds) the chains and their jumps in one transaction; jumps left by an earlier run
    /// are deleted first so restarting the daemon never duplicates them.
    /// </summary>
    public string Setup(string iptablesSave, IEnumerable<Lease> leases)
    {
        var own = OwnRules(iptablesSave);
        var sb = new StringBuilder();
        sb.Append("*nat\n");
        // A chain line on an existing chain flushes it under --noflush: that is how the chains are rebuilt.
        sb.Append(':').Append(DnatChain).Append(" - [0:0]\n");
        sb.Append(':').Append(PostChain).Append(" - [0:0]\n");
        AppendDeletes(sb, own, "nat");
        // Published ports answer on every local address: from outside (PREROUTING) and from the host itself (OUTPUT).
        sb.Append($"-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment \"{Comment}\" -j {DnatChain}\n");
        sb.Append($"-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment \"{Comment}\" -j {DnatChain}\n");
        sb.Append($"-A POSTROUTING -m comment --comment \"{Comment}\" -j {PostChain}\n");
        AppendPortRules(sb, leases);
        // Outbound NAT: the subnet leaving by any interface but the bridge takes the host's address.
        sb.Append($"-A {PostChain} -s {subnet} ! -o {bridge} -j MASQUERADE\n");
        // 127.0.0.1:HOSTPORT DNATed to a container: the reply must come back to the host, not to the
        // container's own loopback, so the source becomes the gateway (needs route_localnet=1 on the bridge).
        sb.Append($"-A {PostChain} -s 127.0.0.0/8 -o {bridge} -j MASQUERADE\n");
        // Hairpin: a container reaching a published port through a host address lands on the bridge again;
        // without this the reply would go straight back with the wrong source address.
        sb.Append($"-A {PostChain} -s {subnet} -o {bridge} -m conntrack --ctstate DNAT -j MASQUERADE\n");
        sb.Append("COMMIT\n");

        sb.Append("*filter\n");
        sb.Append(':').Append(ForwardChain).Append(" - [0:0]\n");
        sb.Append(':').Append(InputChain).Append(" - [0:0]\n");
        AppendDeletes(sb, own, "filter");
        // route_localnet=1 would also let a container send to 127.0.0.1 of the host through the bridge and reach
        // services bound to loopback only (CVE-2020-8558 for kube-proxy). Only the replies and DNAT of published
        // ports may carry a loopback address here.
        sb.Append($"-I INPUT 1 -i {bridge} -m comment --comment \"{Comment}\" -j {InputChain}\n");
        sb.Append($"-A {InputChain} -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n");
        // First in FORWARD, so that a DROP policy or another tool's rule (bridge-nf may be on) cannot cut containers off.
        sb.Append($"-I FORWARD 1 -m comment --comment \"{Comment}\" -j {ForwardChain}\n");
        sb.Append($"-A {ForwardChain} -i {bridge} -j ACCEPT\n");
        sb.Append($"-A {ForwardChain} -o {bridge} -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT\n");
        sb.Append("COMMIT\n");
        return sb.ToString();
    }

    /// <summary>Rebuilds only the DNAT chain (attach/detach of a container with published ports).</summary>
    public string Ports(IEnumerable<Lease> leases)
    {
        var sb = new StringBuilder("*nat\n");
        sb.Append(':').Append(DnatChain).Append(" - [0:0]\n");
        AppendPortRules(sb, leases);
        sb.Append("COMMIT\n");
        return sb.ToString();
    }

    /// <summary>Deletes our jumps, then flushes and deletes our chains; null when nothing of ours exists.</summary>
    public string? Teardown(string iptablesSave)
    {
        var own = OwnRules(iptablesSave);
        var chains = ExistingChains(iptablesSave);
        var sb = new StringBuilder();
        foreach (var (table, ours) in new[] { ("nat", new[] { DnatChain, PostChain }), ("filter", new[] { ForwardChain, InputChain }) })
        {
            var present = ours.Where(c => chains.Contains((table, c))).ToList();
            if (present.Count == 0 && !own.Any(r => r.Table == table))
            {
                continue;
            }
            sb.Append('*').Append(table).Append('\n');
            AppendDeletes(sb, own, table);
            foreach (var c in present)
            {
                sb.Append("-F ").Append(c).Append('\n');
            }
            foreach (var c in present)
            {
                sb.Append("-X ").Append(c).Append('\n');
            }
            sb.Append("COMMIT\n");
        }
        return sb.Length == 0 ? null : sb.ToString();
    }

    private void AppendPortRules(StringBuilder sb, IEnumerable<Lease> leases)
    {
        foreach (var lease in leases.OrderBy(l => l.ContainerId, StringComparer.Ordinal))
        {
            foreach (var p in lease.Ports)
            {
                var dst = p.HostIp.Length == 0 ? "" : $"-d {p.HostIp}/32 ";
                sb.Append($"-A {DnatChain} {dst}-p {p.Protocol} -m {p.Protocol} --dport {p.HostPort} ")
                  .Append($"-m comment --comment \"{Comment}:{Short(lease.ContainerId)}\" ")
                  .Append($"-j DNAT --to-destination {lease.IPAddress}:{p.ContainerPort}\n");
            }
        }
    }

    private static void AppendDeletes(StringBuilder sb, List<(string Table, string Rule)> own, string table)
    {
        foreach (var (t, rule) in own)
        {
            if (t == table)
            {
                sb.Append("-D ").Append(rule["-A ".Length..]).Append('\n');
            }
        }
    }

    /// <summary>Rules in built-in chains that carry our comment, as iptables-save prints them.</summary>
    private List<(string Table, string Rule)> OwnRules(string save)
    {
        var result = new List<(string, string)>();
        var marker = $"--comment \"{Comment}\"";
        var table = "";
        foreach (var line in save.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line[1..].Trim();
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal) && line.Contains(marker, StringComparison.Ordinal)
                     && BuiltinChains.Any(c => line.StartsWith("-A " + c + " ", StringComparison.Ordinal)))
            {
                result.Add((table, line.TrimEnd()));
            }
        }
        return result;
    }

    private static HashSet<(string Table, string Chain)> ExistingChains(string save)
    {
        var result = new HashSet<(string, string)>();
        var table = "";
        foreach (var line in save.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line[1..].Trim();
            }
            else if (line.StartsWith(':'))
            {
                result.Add((table, line[1..].Split(' ')[0]));
            }
        }
        return result;
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;
}
