namespace Orch.Node.Hosting;

/// <summary>orchd's command line. Every path is configurable so several nodes can share one machine.</summary>
public sealed class NodeOptions
{
    public const string DefaultSocket = "/run/orch/orchd.sock";

    public string SocketPath { get; set; } = DefaultSocket;
    public string DataRoot { get; set; } = "/var/lib/orch";
    public string ExecRoot { get; set; } = "/run/orch";
    public string? LogFile { get; set; }
    public string LogLevel { get; set; } = "info";
    /// <summary>Name of the node's bridge; tests give each daemon its own.</summary>
    public string Bridge { get; set; } = "orch0";
    /// <summary>Subnet of the bridge network, CIDR.</summary>
    public string Subnet { get; set; } = "10.88.0.0/16";
    /// <summary>Parent cgroup of the containers (relative to each hierarchy root).</summary>
    public string CgroupParent { get; set; } = "orch";
    /// <summary>Directory holding orch-launch (the native launcher); defaults to orchd's own directory.</summary>
    public string? LauncherDir { get; set; }
    /// <summary>--insecure-registry HOST[:PORT], repeatable: plain HTTP allowed for these (loopback always is).</summary>
    public List<string> InsecureRegistries { get; } = [];
    /// <summary>--metrics-addr ADDR:PORT: Prometheus-format metrics (load balancer counters) over HTTP; off when null.</summary>
    public System.Net.IPEndPoint? MetricsAddr { get; set; }
    /// <summary>
    /// --node-memory SIZE: the memory this node advertises to the scheduler instead of the machine's MemTotal (like
    /// Nomad's client memory_total_mb or Kubernetes' --system-reserved: keep room for what is not orch's); null = all.
    /// </summary>
    public long? NodeMemory { get; set; }
    /// <summary>--node-cpus N: the CPUs (nano-CPUs, decimals allowed) this node advertises instead of all of the machine's.</summary>
    public long? NodeNanoCpus { get; set; }
    /// <summary>--lb-remote kernel|proxy: how the routing mesh reaches tasks on other nodes (kernel DNAT, the default, or the user-space proxy).</summary>
    public bool LbRemoteKernel { get; set; } = true;
    /// <summary>--lb-fastpath on|off: established kernel connections to remote tasks forwarded by a tc program past the IP stack (Orch.LoadBalancer/Kernel/FastPath.cs).</summary>
    public bool LbFastPath { get; set; } = true;
    public bool ShowHelp { get; set; }
    /// <summary>Hidden, for test daemons: remove the bridge and its iptables rules at exit when no container holds an address.</summary>
    public bool CleanupOnExit { get; set; }

    public const string Usage = """
        Usage: orchd [OPTIONS]

        Options:
          -H, --host unix:///PATH   socket to listen on (default unix:///run/orch/orchd.sock)
              --data-root DIR       persistent state (default /var/lib/orch)
              --exec-root DIR       runtime state (default /run/orch)
              --bridge NAME         bridge interface for the default network (default orch0)
              --subnet CIDR         subnet of the default network (default 10.88.0.0/16)
              --cgroup-parent NAME  parent cgroup of containers (default orch)
              --insecure-registry HOST[:PORT]
                                    allow plain HTTP to this registry (repeatable; loopback ones always may)
              --metrics-addr ADDR:PORT
                                    serve Prometheus metrics (load balancer counters) at http://ADDR:PORT/metrics (default off)
              --node-memory SIZE    memory this node offers to services' reservations, e.g. 4g or 512MiB
                                    (default: all of the machine's; may not exceed it)
              --node-cpus N         CPUs this node offers to services' reservations, e.g. 2 or 1.5
                                    (default: all of the machine's; may not exceed them)
              --lb-remote MODE      how the routing mesh reaches tasks on other nodes: kernel (DNAT, the
                                    default) or proxy (user-space, connect-time failover per connection)
              --lb-fastpath on|off  forward established kernel connections to remote tasks with a tc bpf program
                                    past the IP stack (default on; sets nf_conntrack_tcp_be_liberal=1 while on)
              --log-file PATH       also write logs to PATH
              --log-level LEVEL     debug|info|warn|error (default info)
        """;

    public static NodeOptions Parse(IReadOnlyList<string> args)
    {
        var o = new NodeOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            string Value() => inline ?? (++i < args.Count ? args[i] : throw new ArgumentException($"flag needs an argument: {arg}"));
            switch (arg)
            {
                case "-H" or "--host": o.SocketPath = ParseHost(Value()); break;
                case "--data-root": o.DataRoot = Path.GetFullPath(Value()); break;
                case "--exec-root": o.ExecRoot = Path.GetFullPath(Value()); break;
                case "--bridge": o.Bridge = Value(); break;
                case "--subnet": o.Subnet = Value(); break;
                case "--cgroup-parent": o.CgroupParent = Value().Trim('/'); break;
                case "--log-file": o.LogFile = Path.GetFullPath(Value()); break;
                case "--log-level": o.LogLevel = Value(); break;
                case "--insecure-registry": o.InsecureRegistries.Add(Value()); break;
                case "--launcher-dir": o.LauncherDir = Path.GetFullPath(Value()); break;
                case "--cleanup-on-exit": o.CleanupOnExit = true; break;
                case "--metrics-addr":
                    var addr = Value();
                    o.MetricsAddr = System.Net.IPEndPoint.TryParse(addr, out var ep) && ep.Port > 0 ? ep
                        : throw new ArgumentException($"invalid --metrics-addr {addr}: want ADDR:PORT, e.g. 127.0.0.1:9323");
                    break;
                case "--node-memory": o.NodeMemory = NodeCapacity.ParseMemory(Value()); break;
                case "--node-cpus": o.NodeNanoCpus = NodeCapacity.ParseCpus(Value()); break;
                case "--lb-remote": o.LbRemoteKernel = Either(arg, Value(), "kernel", "proxy"); break;
                case "--lb-fastpath": o.LbFastPath = Either(arg, Value(), "on", "off"); break;
                case "-h" or "--help": o.ShowHelp = true; break;
                default: throw new ArgumentException($"unknown flag: {arg}");
            }
        }
        return o;
    }

    /// <summary>A flag with two values: true for <paramref name="yes"/>, false for <paramref name="no"/>, anything else refused.</summary>
    private static bool Either(string flag, string value, string yes, string no) =>
        value == yes || (value == no ? false : throw new ArgumentException($"invalid {flag} {value}: want {yes} or {no}"));

    /// <summary>Accepts unix:///path or a bare absolute path.</summary>
    public static string ParseHost(string host)
    {
        if (host.StartsWith("unix://", StringComparison.Ordinal))
        {
            host = host["unix://".Length..];
        }
        if (!host.StartsWith('/'))
        {
            throw new ArgumentException($"unsupported host {host}: only unix:///absolute/path is supported");
        }
        return host;
    }
}
