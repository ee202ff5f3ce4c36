using System.Globalization;
using System.Net;

namespace Orch.LoadBalancer.Kernel;

/// <summary>
/// Finds a remote node that stopped answering new connections the kernel DNATs to it (pure: text and times
/// in, addresses out). The kernel path stamps two xt_recent lists (<see cref="KernelRules.SynList"/>: a new
/// connection was sent to the node; <see cref="KernelRules.AckList"/>: the node answered one with a SYN-ACK),
/// in jiffies. A sent stamp newer than the node's newest answer is an unanswered connection; one that stays
/// unanswered for <see cref="Threshold"/> of wall time (measured from the first poll that saw it) marks the
/// node suspect — once, until newer connections go unanswered again. A node that answers anything at all
/// (one SYN dropped by a full accept queue among many answered) is not suspect. The threshold is below the
/// client's first SYN retransmission (1 s): when the watch fires, the balancer stops DNATing to the node and
/// deletes the conntrack entries of the waiting connections, so the retransmitted SYN is balanced afresh.
/// </summary>
internal sealed class SynWatch(TimeSpan threshold)
{
    public TimeSpan Threshold { get; } = threshold;

    private readonly Dictionary<IPAddress, (ulong Stamp, DateTimeOffset Since)> pending = [];
    private readonly Dictionary<IPAddress, ulong> firedThrough = [];

    /// <summary>One poll: the two lists' /proc/net/xt_recent text (null: the list does not exist) at <paramref name="now"/>; the nodes to suspect now.</summary>
    public IReadOnlyList<IPAddress> Observe(DateTimeOffset now, string? synText, string? ackText)
    {
        var sent = Parse(synText);
        var answered = Parse(ackText);
        var suspects = new List<IPAddress>();
        foreach (var key in pending.Keys.Where(k => !sent.ContainsKey(k)).ToList())
        {
            pending.Remove(key);
        }
        foreach (var (node, stamps) in sent)
        {
            ulong? floor = answered.TryGetValue(node, out var a) && a.Count > 0 ? a.Max(Later) : null;
            if (firedThrough.TryGetValue(node, out var fired) && (floor is null || After(fired, floor.Value)))
            {
                floor = fired;
            }
            var open = stamps.Where(s => floor is null || After(s, floor.Value)).ToList();
            if (open.Count == 0)
            {
                pending.Remove(node);
                continue;
            }
            if (!pending.TryGetValue(node, out var p) || (floor is { } f && !After(p.Stamp, f)))
            {
                pending[node] = (open.Min(Earlier), now);
                continue;
            }
            if (now - p.Since >= Threshold)
            {
                suspects.Add(node);
                firedThrough[node] = stamps.Max(Later);
                pending.Remove(node);
            }
        }
        return suspects;
    }

    /// <summary>Jiffies wrap: compare by signed difference, as the kernel's time_after does.</summary>
    private static bool After(ulong a, ulong b) => (long)(a - b) > 0;

    private static readonly IComparer<ulong> Later = Comparer<ulong>.Create((a, b) => a == b ? 0 : After(a, b) ? 1 : -1);
    private static readonly IComparer<ulong> Earlier = Later;

    /// <summary>
    /// /proc/net/xt_recent/NAME: one line per address, "src=A ttl: T last_seen: J oldest_pkt: I J1, J2, …" (the
    /// list's address is printed as src= whether it was recorded by source or destination); the stamps of the
    /// address's last packets, in jiffies.
    /// </summary>
    public static Dictionary<IPAddress, List<ulong>> Parse(string? text)
    {
        var result = new Dictionary<IPAddress, List<ulong>>();
        if (text is null)
        {
            return result;
        }
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var words = line.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 1 || !words[0].StartsWith("src=", StringComparison.Ordinal) || !IPAddress.TryParse(words[0]["src=".Length..], out var ip))
            {
                continue;
            }
            var stamps = new List<ulong>();
            var at = Array.IndexOf(words, "oldest_pkt:");
            for (var i = at < 0 ? words.Length : at + 2; i < words.Length; i++)
            {
                if (ulong.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out var j))
                {
                    stamps.Add(j);
                }
            }
            var last = Array.IndexOf(words, "last_seen:");
            if (last >= 0 && last + 1 < words.Length && ulong.TryParse(words[last + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var seen))
            {
                stamps.Add(seen);
            }
            if (stamps.Count > 0)
            {
                result[ip] = stamps;
            }
        }
        return result;
    }
}
