namespace Orch.Testing.Cluster;

/// <summary>
/// A real cluster of orchd processes, one per network namespace, made by deploy/cluster.sh itself so that tests
/// and people use the same mechanism. Each fixture takes a flock'ed slot that gives it its own instance name,
/// node network (10.77.SLOT.0/24), state and runtime directories, so clusters of parallel test runs never meet.
/// Disposing runs `cluster.sh down`, which removes every process, netns, veth, bridge, rule and directory.
/// Interface names start with "orchk" (bridge orchkSLOT0, veths orchkSLOT-nK): the engine tests' host checks skip
/// "orch*" interfaces, and TestDaemon's bridges are orchtSLOT, so the two never collide.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private static readonly string LockDir = Path.Combine(Path.GetTempPath(), "orch-test-slots");
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(4);
    private readonly FileStream slotLock;
    private readonly Dictionary<string, string> env;

    private TestCluster(int slot, FileStream slotLock)
    {
        Slot = slot;
        this.slotLock = slotLock;
        Name = $"orchk{slot}";
        Net = $"10.77.{slot}";
        StateDir = Path.Combine(Path.GetTempPath(), $"orch-cluster-{Name}");
        RunDir = $"/run/orch-cluster/{Name}";
        env = new Dictionary<string, string>
        {
            ["ORCH_CLUSTER_NAME"] = Name,
            ["ORCH_CLUSTER_NET"] = Net,
            ["ORCH_CLUSTER_STATE"] = StateDir,
            ["ORCH_CLUSTER_RUN"] = RunDir,
            ["ORCH_BIN"] = Binaries.BinDir,
        };
    }

    public int Slot { get; }
    /// <summary>ORCH_CLUSTER_NAME: prefix of the netns (NAME-nK), host veths (NAME-nK) and the bridge (NAME0).</summary>
    public string Name { get; }
    /// <summary>First three octets of the node network; node K is NET.K, the host's bridge NET.254.</summary>
    public string Net { get; }
    public string StateDir { get; }
    public string RunDir { get; }
    public int Size { get; private set; }
    public string Bridge => Name + "0";

    public static string Script => Path.Combine(Binaries.RepoRoot, "deploy", "cluster.sh");

    /// <summary>
    /// `cluster.sh up N --managers M`: N nodes, the first M managers, all Ready. With <paramref name="engineOnly"/>
    /// only the daemons and the network (no swarm). <paramref name="orchdArgs"/>: extra orchd flags of node K
    /// (ORCH_CLUSTER_ORCHD_ARGS_K), kept for every later `start K` as a machine's service unit would.
    /// </summary>
    public static async Task<TestCluster> UpAsync(int nodes, int managers = 1, bool engineOnly = false,
        IReadOnlyDictionary<int, string>? orchdArgs = null)
    {
        Requirements.Root();
        _ = Binaries.Orchd;
        var c = AcquireSlot();
        try
        {
            foreach (var (k, flags) in orchdArgs ?? new Dictionary<int, string>())
            {
                c.env[$"ORCH_CLUSTER_ORCHD_ARGS_{k}"] = flags;
            }
            // A run that died without disposing its cluster leaves it behind under the same slot.
            await c.ScriptAsync("down");
            var args = new List<string> { "up", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--managers", managers.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (engineOnly)
            {
                args.Add("--engine-only");
            }
            var up = await c.ScriptAsync([.. args]);
            c.Size = nodes;
            if (up.ExitCode != 0)
            {
                throw new InvalidOperationException($"cluster.sh up failed:\n{up}\n{c.Logs()}");
            }
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs deploy/cluster.sh with this cluster's environment.</summary>
    public Task<CommandResult> ScriptAsync(params string[] args) => ScriptAsync(ScriptTimeout, args);

    public Task<CommandResult> ScriptAsync(TimeSpan timeout, params string[] args) =>
        ProcessRunner.RunAsync(Script, args, timeout, env: env);

    /// <summary>`orch ARGS` against node K's local socket.</summary>
    public Task<CommandResult> OrchAsync(int k, params string[] args) => OrchAsync(k, TimeSpan.FromSeconds(60), args);

    public Task<CommandResult> OrchAsync(int k, TimeSpan timeout, params string[] args) =>
        ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + Socket(k), .. args], timeout);

    /// <summary>kill -9 of node K's orchd.</summary>
    public Task KillAsync(int k) => MustAsync("kill", k);

    /// <summary>SIGTERM to node K's orchd; returns once it has exited.</summary>
    public Task StopAsync(int k) => MustAsync("stop", k);

    /// <summary>Starts node K's orchd again on its state; returns once it answers `orch version`.</summary>
    public Task StartAsync(int k) => MustAsync("start", k);

    /// <summary>Starts node K's orchd again with other extra flags, kept for its later starts (a changed service unit).</summary>
    public Task StartAsync(int k, string orchdArgs)
    {
        env[$"ORCH_CLUSTER_ORCHD_ARGS_{k}"] = orchdArgs;
        return MustAsync("start", k);
    }

    /// <summary>Takes node K's link down: a real partition, its orchd keeps running.</summary>
    public Task CutAsync(int k) => MustAsync("cut", k);

    public Task HealAsync(int k) => MustAsync("heal", k);

    /// <summary>Node K's address on the cluster network (reachable from the test through the bridge).</summary>
    public string Address(int k) => $"{Net}.{k}";

    public string Netns(int k) => $"{Name}-n{k}";

    public string Socket(int k) => Path.Combine(RunDir, $"n{k}", "orchd.sock");

    public string LogFile(int k) => Path.Combine(StateDir, $"n{k}", "orchd.log");

    /// <summary>Node K's orchd log.</summary>
    public string Log(int k) => File.Exists(LogFile(k)) ? File.ReadAllText(LogFile(k)) : "(no log)";

    /// <summary>The last lines of every node's log, for failure messages.</summary>
    public string Logs(int lines = 40)
    {
        var parts = new List<string>();
        for (var k = 1; k <= Size; k++)
        {
            var all = File.Exists(LogFile(k)) ? File.ReadAllLines(LogFile(k)) : [];
            parts.Add($"--- node {k} log (last {lines} lines) ---\n" + string.Join('\n', all.TakeLast(lines)));
        }
        return string.Join('\n', parts);
    }

    /// <summary>Runs a command inside node K's network namespace (e.g. busybox ping).</summary>
    public Task<CommandResult> InNodeAsync(int k, params string[] command) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", Netns(k), .. command], TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        try
        {
            var down = await ScriptAsync("down");
            if (down.ExitCode != 0)
            {
                throw new InvalidOperationException("cluster.sh down failed:\n" + down);
            }
        }
        finally
        {
            slotLock.Dispose();
        }
    }

    private async Task MustAsync(string verb, int k)
    {
        var r = await ScriptAsync(verb, k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"cluster.sh {verb} {k} failed:\n{r}\n{Logs()}");
        }
    }

    private static TestCluster AcquireSlot()
    {
        Directory.CreateDirectory(LockDir);
        for (var slot = 1; slot <= 200; slot++)
        {
            try
            {
                // FileShare.None takes an flock(2): released by the kernel if this process dies.
                var fs = new FileStream(Path.Combine(LockDir, $"cluster-{slot}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new TestCluster(slot, fs);
            }
            catch (IOException)
            {
            }
        }
        throw new InvalidOperationException("no free test cluster slot");
    }
}
