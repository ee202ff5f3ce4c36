using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Orch.Api.V1.Objects;

namespace Orch.LoadBalancer.Kernel;

/// <summary>
/// The kernel fast path's iptables rules as iptables-restore scripts (pure: text in, text out). All of one
/// balancer lives in chains named after its prefix (ORCH-&lt;bridge&gt;, so two daemons of one network
/// namespace never meet): nat <c>P-L</c> (one jump per published port the kernel serves), nat <c>P-LT&lt;port&gt;</c> /
/// <c>P-LU&lt;port&gt;</c> (the port's nth DNAT rules), nat <c>P-LM</c> (masquerading of connections DNATed to another
/// node), filter <c>P-LF</c> (letting those through FORWARD whatever its policy) and mangle <c>P-LA</c> (byte
/// accounting). Connections to another node also feed two xt_recent lists, <c>P-syn</c> (node address → when a
/// connection to it was sent) and <c>P-ack</c> (node address → when it answered one), which <see cref="SynWatch"/>
/// reads to find a node that stopped answering. The only rules
/// outside them are the jumps from the built-in chains, each with the comment "orch:&lt;bridge&gt;:lb"; the
/// rules inside carry "orch:&lt;bridge&gt;:lb:KEY" so that counters are read back by key.
/// Chain names stay within iptables' 28 characters for a bridge name of up to 15.
/// </summary>
internal sealed partial class KernelRules(string prefix, string comment, uint fastPathMark = 0)
{
    public string DispatchChain => prefix + "-L";
    public string AccountChain => prefix + "-LA";
    public string MasqueradeChain => prefix + "-LM";
    public string ForwardChain => prefix + "-LF";
    public string Comment => comment;

    /// <summary>xt_recent list of remote node addresses a new connection was sent to (stamped by its first packet).</summary>
    public string SynList => prefix + "-syn";

    /// <summary>xt_recent list of remote node addresses that answered a connection (stamped by each SYN-ACK).</summary>
    public string AckList => prefix + "-ack";

    public string PortChain(PortProtocol protocol, uint port) =>
        prefix + (protocol == PortProtocol.Udp ? "-LU" : "-LT") + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Counter key of a port's DNAT rule for a task (its packet counter = new connections).</summary>
    public static string ConnectionKey(PortProtocol protocol, uint port, string taskId) =>
        $"{Proto(protocol)}/{port.ToString(CultureInfo.InvariantCulture)}/{taskId}";

    /// <summary>
    /// Brings the chains from <paramref name="applied"/> to <paramref name="desired"/> in one transaction. Port
    /// chains whose rules are unchanged are not touched (their nth counters keep their place in the cycle); the
    /// dispatch and accounting chains are rebuilt. <paramref name="jumps"/>: also create the chains' jumps
    /// (first apply after a clean slate). <paramref name="adopt"/>: the `iptables-save` of a node where a killed
    /// daemon left its rules: they are replaced in the same transaction per table (its jumps deleted as the new
    /// ones are added, its chains rebuilt or deleted), so that conntrack never loses its last rule in between and
    /// the connections NATed by the earlier run keep their path.
    /// </summary>
    public string Sync(IReadOnlyDictionary<(PortProtocol, uint), KernelPort> applied, IReadOnlyDictionary<(PortProtocol, uint), KernelPort> desired, bool jumps,
        string? adopt = null)
    {
        var stale = adopt is null ? [] : Stale(adopt).ToDictionary(t => t.Table, t => (t.Jumps, t.Chains));
        jumps |= adopt is not null;
        var declared = new HashSet<string>(StringComparer.Ordinal);
        // The adopted run's jumps go first (each table's new ones follow), its chains that this run does not declare last.
        void DeleteStaleJumps(StringBuilder sb, string table)
        {
            foreach (var j in stale.TryGetValue(table, out var s) ? s.Jumps : [])
            {
                sb.Append("-D ").Append(j["-A ".Length..]).Append('\n');
            }
        }
        void DeleteStaleChains(StringBuilder sb, string table)
        {
            var chains = stale.TryGetValue(table, out var s) ? s.Chains.Where(c => !declared.Contains(c)).ToList() : [];
            chains.ForEach(c => sb.Append("-F ").Append(c).Append('\n'));
            chains.ForEach(c => sb.Append("-X ").Append(c).Append('\n'));
        }
        var live = desired.Values.Where(p => p.Targets.Count > 0).OrderBy(p => p.Protocol).ThenBy(p => p.Port).ToList();
        var changed = live.Where(p => !applied.TryGetValue((p.Protocol, p.Port), out var old) || !old.SameRules(p)).ToList();
        var gone = applied.Values.Where(p => p.Targets.Count > 0 && !live.Any(l => l.Protocol == p.Protocol && l.Port == p.Port)).ToList();

        var sb = new StringBuilder("*nat\n");
        // A chain line on an existing chain flushes it under --noflush (how chains are rebuilt).
        foreach (var chain in new[] { DispatchChain, MasqueradeChain }.Concat(changed.Select(p => PortChain(p.Protocol, p.Port))))
        {
            sb.Append(':').Append(chain).Append(" - [0:0]\n");
            declared.Add(chain);
        }
        DeleteStaleJumps(sb, "nat");
        if (jumps)
        {
            // Addressed to this node (any local address but loopback: 127.0.0.0/8 stays with the listener).
            foreach (var hook in new[] { "PREROUTING", "OUTPUT" })
            {
                sb.Append($"-A {hook} ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment \"{comment}\" -j {DispatchChain}\n");
            }
            sb.Append($"-A POSTROUTING -m conntrack --ctstate DNAT -m comment --comment \"{comment}\" -j {MasqueradeChain}\n");
        }
        var remote = live.SelectMany(p => p.Targets.Where(t => t.Remote).Select(t => (Port: p, Target: t))).ToList();
        foreach (var (p, t) in remote)
        {
            // The connection's first packet, after the DNAT: mark it for the forwarding fast path (if any), stamp its
            // node in the syn list, then masquerade.
            if (fastPathMark != 0)
            {
                sb.Append($"-A {MasqueradeChain} -d {t.Destination.Address}/32 -p {Proto(p.Protocol)} -m {Proto(p.Protocol)} --dport {t.Destination.Port} ")
                  .Append($"-m conntrack --ctorigdstport {p.Port} -j CONNMARK --or-mark 0x{fastPathMark:x}\n");
            }
            sb.Append($"-A {MasqueradeChain} -d {t.Destination.Address}/32 -p {Proto(p.Protocol)} -m {Proto(p.Protocol)} --dport {t.Destination.Port} ")
              .Append($"-m conntrack --ctorigdstport {p.Port} -m recent --set --name {SynList} --mask 255.255.255.255 --rdest -j MASQUERADE\n");
        }
        foreach (var p in live)
        {
            sb.Append($"-A {DispatchChain} -p {Proto(p.Protocol)} -m {Proto(p.Protocol)} --dport {p.Port} -j {PortChain(p.Protocol, p.Port)}\n");
        }
        foreach (var p in changed)
        {
            foreach (var t in p.Targets)
            {
                var nth = t.Every > 1 ? $"-m statistic --mode nth --every {t.Every} --packet {t.Packet} " : "";
                sb.Append($"-A {PortChain(p.Protocol, p.Port)} -p {Proto(p.Protocol)} {nth}")
                  .Append($"-m comment --comment \"{comment}:{ConnectionKey(p.Protocol, p.Port, t.TaskId)}\" ")
                  .Append($"-j DNAT --to-destination {t.Destination}\n");
            }
        }
        foreach (var p in gone)
        {
            sb.Append("-F ").Append(PortChain(p.Protocol, p.Port)).Append('\n');
            sb.Append("-X ").Append(PortChain(p.Protocol, p.Port)).Append('\n');
        }
        DeleteStaleChains(sb, "nat");
        sb.Append("COMMIT\n*mangle\n");
        sb.Append(':').Append(AccountChain).Append(" - [0:0]\n");
        declared.Add(AccountChain);
        DeleteStaleJumps(sb, "mangle");
        if (jumps)
        {
            // Only DNATed connections can be ours; PREROUTING sees both directions of forwarded traffic and the
            // task's replies to local clients, OUTPUT a local client's packets to the task.
            foreach (var hook in new[] { "PREROUTING", "OUTPUT" })
            {
                sb.Append($"-A {hook} -m conntrack --ctstate DNAT -m comment --comment \"{comment}\" -j {AccountChain}\n");
            }
        }
        foreach (var node in remote.Select(r => r.Target.Destination.Address).Distinct())
        {
            // A remote node answered a connection: stamp it in the ack list (no target: the packet goes on).
            sb.Append($"-A {AccountChain} -s {node}/32 -p tcp -m tcp --tcp-flags SYN,ACK SYN,ACK -m conntrack --ctdir REPLY ")
              .Append($"-m recent --set --name {AckList} --mask 255.255.255.255 --rsource\n");
        }
        foreach (var p in live)
        {
            foreach (var t in p.Targets)
            {
                foreach (var (dir, suffix) in new[] { ("ORIGINAL", "in"), ("REPLY", "out") })
                {
                    sb.Append($"-A {AccountChain} -m conntrack --ctproto {Proto(p.Protocol)} --ctorigdstport {p.Port} ")
                      .Append($"--ctreplsrc {t.Destination.Address} --ctreplsrcport {t.Destination.Port} --ctdir {dir} ")
                      .Append($"-m comment --comment \"{comment}:{ConnectionKey(p.Protocol, p.Port, t.TaskId)}/{suffix}\" -j RETURN\n");
                }
            }
        }
        DeleteStaleChains(sb, "mangle");
        sb.Append("COMMIT\n*filter\n");
        sb.Append(':').Append(ForwardChain).Append(" - [0:0]\n");
        declared.Add(ForwardChain);
        DeleteStaleJumps(sb, "filter");
        if (jumps)
        {
            // First in FORWARD: a DROP policy (Docker sets one) must not cut off connections this node DNATed to another.
            sb.Append($"-I FORWARD 1 -m conntrack --ctstate DNAT -m comment --comment \"{comment}\" -j {ForwardChain}\n");
        }
        foreach (var (p, t) in remote)
        {
            sb.Append($"-A {ForwardChain} -m conntrack --ctproto {Proto(p.Protocol)} --ctorigdstport {p.Port} ")
              .Append($"--ctreplsrc {t.Destination.Address} --ctreplsrcport {t.Destination.Port} -j ACCEPT\n");
        }
        DeleteStaleChains(sb, "filter");
        sb.Append("COMMIT\n");
        return sb.ToString();
    }

    /// <summary>Whether <paramref name="save"/> holds any jump or chain of ours (a killed daemon's rules).</summary>
    public bool HasAny(string save) => Stale(save).Any();

    /// <summary>Our jumps from built-in chains (as saved, without counters) and our chains, per table that has any.</summary>
    private IEnumerable<(string Table, List<string> Jumps, List<string> Chains)> Stale(string save)
    {
        foreach (var (table, lines) in Tables(save))
        {
            var chains = lines.Where(l => l.StartsWith(':')).Select(l => l[1..].Split(' ')[0]).Where(Ours).ToList();
            var jumps = lines.Select(StripCounters)
                .Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && l.Contains($"--comment \"{comment}\"", StringComparison.Ordinal)
                    && !Ours(l.Split(' ')[1]))
                .ToList();
            if (chains.Count > 0 || jumps.Count > 0)
            {
                yield return (table, jumps, chains);
            }
        }
    }

    /// <summary>Deletes our jumps, then flushes and deletes our chains; null when nothing of ours is in <paramref name="save"/>.</summary>
    public string? Teardown(string save)
    {
        var sb = new StringBuilder();
        foreach (var (table, jumps, chains) in Stale(save))
        {
            sb.Append('*').Append(table).Append('\n');
            foreach (var j in jumps)
            {
                sb.Append("-D ").Append(j["-A ".Length..]).Append('\n');
            }
            foreach (var c in chains)
            {
                sb.Append("-F ").Append(c).Append('\n');
            }
            foreach (var c in chains)
            {
                sb.Append("-X ").Append(c).Append('\n');
            }
            sb.Append("COMMIT\n");
        }
        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary>Packet and byte counters of our keyed rules in `iptables-save -c` output: key → (packets, bytes).</summary>
    public IReadOnlyDictionary<string, (long Packets, long Bytes)> Counters(string save)
    {
        var result = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        var keyed = comment + ":";
        foreach (var line in save.Split('\n'))
        {
            var m = CounterLine().Match(line);
            if (!m.Success || !m.Groups["comment"].Value.StartsWith(keyed, StringComparison.Ordinal))
            {
                continue;
            }
            var key = m.Groups["comment"].Value[keyed.Length..];
            var value = (long.Parse(m.Groups["p"].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups["b"].Value, CultureInfo.InvariantCulture));
            result[key] = result.TryGetValue(key, out var old) ? (old.Item1 + value.Item1, old.Item2 + value.Item2) : value;
        }
        return result;
    }

    /// <summary>Our chains: the dispatch and accounting chains and the per-port ones, nothing else of the prefix (the engine's ORCH-&lt;bridge&gt;…).</summary>
    private bool Ours(string chain) =>
        chain == DispatchChain || chain == AccountChain || chain == MasqueradeChain || chain == ForwardChain
        || (chain.Length > DispatchChain.Length + 1 && chain.StartsWith(DispatchChain, StringComparison.Ordinal)
            && chain[DispatchChain.Length] is 'T' or 'U' && chain[(DispatchChain.Length + 1)..].All(char.IsAsciiDigit));

    private static IEnumerable<(string Table, List<string> Lines)> Tables(string save)
    {
        string? table = null;
        var lines = new List<string>();
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith('*'))
            {
                table = line[1..];
                lines = [];
            }
            else if (line == "COMMIT" && table is not null)
            {
                yield return (table, lines);
                table = null;
            }
            else if (table is not null)
            {
                lines.Add(line);
            }
        }
    }

    private static string StripCounters(string line) =>
        line.StartsWith('[') && line.IndexOf("] ", StringComparison.Ordinal) is var end and > 0 ? line[(end + 2)..] : line;

    private static string Proto(PortProtocol p) => p == PortProtocol.Udp ? "udp" : "tcp";

    [GeneratedRegex("""^\[(?<p>\d+):(?<b>\d+)\] -A \S+ .*--comment "?(?<comment>[^" ]+)"?""")]
    private static partial Regex CounterLine();
}
