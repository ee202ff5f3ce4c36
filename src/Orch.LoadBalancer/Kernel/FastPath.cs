using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Orch.LoadBalancer.Kernel;

/// <summary>
/// The routing mesh's forwarding fast path: the tc program lb_fastpath.bpf.o on the ingress of every interface
/// that holds an IPv4 address (but loopback and the node's container bridge). Connections that the
/// balancer DNATed to a task on another node (marked <see cref="Mark"/> by the masquerade chain) are forwarded by
/// it without this node's IP stack and netfilter from the task's answer on: only the SYN and the SYN-ACK take the
/// normal path, and the program keeps the conntrack entry's close state (mark bits) and timeout in conntrack's place
/// (see the program's header). Because conntrack then sees only the handshake, the node's
/// <c>nf_conntrack_tcp_be_liberal</c> is set to 1 while the program is attached (what the kernel's own flowtable
/// offload does per connection), so that a packet the program leaves to the stack later, far beyond the window
/// conntrack saw, is still NATed instead of being called invalid.
/// What it changed is written to <c>lb-fastpath</c> in the state directory before each change: filters, the clsact
/// qdiscs it created, the sysctl, the pinned map. The next start of a killed daemon, or of one that stopped while
/// connections through it were open, takes it over as it is (they go on), and undoes it at its own stop.
/// </summary>
internal sealed partial class FastPath(string objectPath, string stateDirectory, string bridge,
    Func<string, IReadOnlyList<string>, CancellationToken, Task<string>> run, ILogger logger)
{
    /// <summary>The connection mark bit of connections the fast path may forward (set by ORCH-&lt;bridge&gt;-LM).</summary>
    public const uint Mark = 0x01000000;

    /// <summary>The tc filter's priority on each interface (ours alone: "or").</summary>
    public const string Pref = "28530";

    /// <summary>Where tc pins the program's counter map (tc's libbpf loader: LIBBPF_PIN_BY_NAME under tc/globals).</summary>
    public const string MapPin = "/sys/fs/bpf/tc/globals/orch_lb_fwd";

    private const string Liberal = "/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal";

    private readonly string statePath = Path.Combine(stateDirectory, "lb-fastpath");
    private State state = new();

    public bool Attached { get; private set; }

    /// <summary>
    /// Takes over what a killed daemon's fast path left (its state file), if anything: the program stays attached and
    /// carries the connections it carried (a kill -9 and restart of orchd cuts none of them); the next
    /// <see cref="AttachAsync"/> replaces it in place, <see cref="DetachAsync"/> undoes all of it. When none of its
    /// filters is still there (the interfaces went), what is left is undone instead.
    /// </summary>
    public async Task AdoptAsync(CancellationToken ct)
    {
        if (!File.Exists(statePath))
        {
            return;
        }
        state = State.Parse(await File.ReadAllLinesAsync(statePath, ct));
        var still = new List<string>();
        foreach (var dev in state.Filters)
        {
            if (await TryAsync(["filter", "show", "dev", dev, "ingress", "pref", Pref], ct) is { Length: > 0 })
            {
                still.Add(dev);
            }
        }
        if (still.Count == 0)
        {
            await DetachAsync(ct);
            LogStaleRemoved();
            return;
        }
        Attached = true;
        LogAdopted(string.Join(", ", still));
    }

    /// <summary>Undoes what an earlier run's fast path left (its state file), if anything: a start without the fast path.</summary>
    public async Task RemoveStaleAsync(CancellationToken ct)
    {
        if (File.Exists(statePath))
        {
            state = State.Parse(await File.ReadAllLinesAsync(statePath, ct));
            await DetachAsync(ct);
            LogStaleRemoved();
        }
    }

    /// <summary>Attaches the program to every IPv4 interface; false (logged) when it cannot, and the normal path serves everything.</summary>
    public async Task<bool> AttachAsync(CancellationToken ct)
    {
        if (!File.Exists(objectPath))
        {
            LogUnavailable($"{objectPath} is missing");
            return false;
        }
        try
        {
            if (File.ReadAllText(Liberal).Trim() == "0")
            {
                state.Liberal = true;
                Save();
                File.WriteAllText(Liberal, "1");
            }
            foreach (var dev in Uplinks(bridge))
            {
                if (!state.Filters.Contains(dev))
                {
                    state.Filters.Add(dev);
                    Save();
                }
                try
                {
                    await run("tc", ["qdisc", "add", "dev", dev, "clsact"], ct);
                    state.Clsact.Add(dev);
                    Save();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Already there (another program's, or ours from before): ours is only the filter then.
                }
                await ReplaceFilterAsync(dev, ct);
            }
            Attached = true;
            LogAttached(string.Join(", ", state.Filters));
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogUnavailable(e.Message);
            await DetachAsync(ct);
            return false;
        }
    }

    /// <summary>
    /// Puts this build's program on DEV (in place of the one there, if any). tc reuses the counter map pinned at
    /// <see cref="MapPin"/> and refuses a program whose map differs from it (libbpf: "couldn't reuse pinned map"): a pin
    /// that outlived an earlier build's orchd with another layout (orchd in the host's mount namespace). Then that pin
    /// is removed and the load tried once more; a program still attached keeps its own map until it is replaced, so
    /// the connections it carries go on, and only the counts it kept are lost.
    /// </summary>
    private async Task ReplaceFilterAsync(string dev, CancellationToken ct)
    {
        string[] args = ["filter", "replace", "dev", dev, "ingress", "pref", Pref, "handle", "1", "bpf", "da", "obj", objectPath, "sec", "tc"];
        try
        {
            await run("tc", args, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && File.Exists(MapPin)
            && e.Message.Contains("pinned", StringComparison.OrdinalIgnoreCase)) // libbpf's "…reuse pinned map…", iproute2's "…pinned file differ"
        {
            File.Delete(MapPin);
            LogPinReplaced(e.Message.ReplaceLineEndings(" "));
            await run("tc", args, ct);
        }
    }

    /// <summary>
    /// orchd stopping: while connections it carries are open (conntrack entries marked <see cref="Mark"/> without
    /// <see cref="ClosedMark"/>) the program stays attached and carries them on (it needs no rule and no daemon), as
    /// the bridge stays while containers hold addresses; the next start takes it over (<see cref="AdoptAsync"/>).
    /// Otherwise it is all undone.
    /// </summary>
    public async Task StopAsync(CancellationToken ct)
    {
        int open;
        try
        {
            open = Conntrack.CountMarked(File.ReadLines(Conntrack.ProcPath), Mark, unless: ClosedMark);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            open = 0;
        }
        if (open > 0)
        {
            Attached = false;
            LogKept(open);
            return;
        }
        await DetachAsync(ct);
    }

    /// <summary>The connection mark bit the program sets once a connection it carries has closed (RST, or the last ACK after both FINs).</summary>
    public const uint ClosedMark = 0x08000000;

    /// <summary>Removes the filters, the qdiscs it created and the pinned map, and puts the sysctl back.</summary>
    public async Task DetachAsync(CancellationToken ct)
    {
        foreach (var dev in state.Filters)
        {
            await TryAsync(["filter", "del", "dev", dev, "ingress", "pref", Pref], ct);
        }
        foreach (var dev in state.Clsact)
        {
            // Only when nothing else was attached to it meanwhile.
            if (await TryAsync(["filter", "show", "dev", dev, "ingress"], ct) is "" && await TryAsync(["filter", "show", "dev", dev, "egress"], ct) is "")
            {
                await TryAsync(["qdisc", "del", "dev", dev, "clsact"], ct);
            }
        }
        try
        {
            if (state.Liberal)
            {
                File.WriteAllText(Liberal, "0");
            }
            // Not there when this daemon runs in another mount namespace than the one that pinned it (that pin went with it).
            if (File.Exists(MapPin))
            {
                File.Delete(MapPin);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogUnavailable("clean-up: " + e.Message);
        }
        state = new State();
        File.Delete(statePath);
        Attached = false;
    }

    private async Task<string?> TryAsync(string[] args, CancellationToken ct)
    {
        try
        {
            return (await run("tc", args, ct)).Trim();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null; // the interface is gone, or the filter was never added
        }
    }

    /// <summary>Interfaces that are up with an IPv4 address, but loopback and the container bridge.</summary>
    private static List<string> Uplinks(string bridge) =>
        [.. NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.NetworkInterfaceType != NetworkInterfaceType.Loopback && n.Name != bridge
                && n.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown
                && n.GetIPProperties().UnicastAddresses.Any(a => a.Address.AddressFamily == AddressFamily.InterNetwork))
            .Select(n => n.Name)
            .Order(StringComparer.Ordinal)];

    private void Save()
    {
        var tmp = statePath + ".tmp";
        File.WriteAllLines(tmp, state.Lines());
        File.Move(tmp, statePath, overwrite: true);
    }

    private sealed class State
    {
        public bool Liberal { get; set; }
        public List<string> Filters { get; } = [];
        public List<string> Clsact { get; } = [];

        public IEnumerable<string> Lines() =>
            (Liberal ? ["liberal"] : Array.Empty<string>()).Concat(Filters.Select(f => "filter " + f)).Concat(Clsact.Select(c => "clsact " + c));

        public static State Parse(IEnumerable<string> lines)
        {
            var s = new State();
            foreach (var line in lines)
            {
                var parts = line.Split(' ', 2);
                switch (parts[0])
                {
                    case "liberal":
                        s.Liberal = true;
                        break;
                    case "filter" when parts.Length == 2:
                        s.Filters.Add(parts[1]);
                        break;
                    case "clsact" when parts.Length == 2:
                        s.Clsact.Add(parts[1]);
                        break;
                }
            }
            return s;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: forwarding fast path (tc bpf) on {Interfaces}")]
    private partial void LogAttached(string interfaces);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: no forwarding fast path, netfilter forwards every packet to remote tasks: {Reason}")]
    private partial void LogUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: removed the forwarding fast path left by an earlier run")]
    private partial void LogStaleRemoved();

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: forwarding fast path kept at exit: it carries {Open} open connection(s); the next start takes it over")]
    private partial void LogKept(int open);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: the pinned counter map of the forwarding fast path does not fit this build's program (an earlier build's): removed, its counts start again; tc said: {Reason}")]
    private partial void LogPinReplaced(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: kept the forwarding fast path of an earlier run on {Interfaces}: the connections it carries keep their path")]
    private partial void LogAdopted(string interfaces);
}
