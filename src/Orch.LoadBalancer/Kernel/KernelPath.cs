using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PortProtocol = Orch.Api.V1.Objects.PortProtocol;

namespace Orch.LoadBalancer.Kernel;

/// <summary>
/// What the balancer wants of the kernel now: the ports' plans, every backend by counter key, and when the plan
/// changes by itself next (a suspect backend's time runs out), if ever.
/// </summary>
internal sealed record KernelSnapshot(IReadOnlyDictionary<(PortProtocol, uint), KernelPort> Ports, IReadOnlyDictionary<string, Backend> Backends, DateTimeOffset? NextChange = null);

/// <summary>
/// Keeps the kernel's rules equal to the balancer's plan: one background loop, woken by every table or
/// local-task change, applies the difference in one `iptables-restore --noflush` transaction (after one
/// `iptables-save -c`, whose counters of the rules about to be replaced are folded into their backends).
/// Starts by taking over what a killed daemon of the same prefix left (replaced by the first sync, so that the
/// connections it forwarded go on); disposing removes every rule (the fast path stays while it carries connections).
/// A failed transaction tears the rules down (user space then serves every connection) and is retried
/// with the next change or after <see cref="RetryAfter"/>.
/// While remote nodes have rules, a second loop (<see cref="SynWatchLoop"/>) watches them for nodes that leave new
/// connections unanswered.
/// </summary>
internal sealed partial class KernelPath : IAsyncDisposable
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly KernelRules rules;
    private readonly FastPath? fastPath;
    private readonly FastPath? leftover;
    private bool fastPathTried;
    private readonly IIptables iptables;
    private readonly Func<KernelSnapshot> snapshot;
    private readonly Action<IReadOnlyDictionary<(PortProtocol, uint), KernelPort>> applied;
    private readonly TimeProvider time;
    private readonly SynWatchLoop watch;
    private readonly ILogger logger;
    private readonly SemaphoreSlim io = new(1, 1);
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource stop = new();
    private Dictionary<(PortProtocol, uint), KernelPort> current = [];
    private bool installed;
    private bool touched;
    private string? adopt; // the iptables-save of a killed daemon's rules until the first sync replaces them
    private Task loop = Task.CompletedTask;
    private Task watchLoop = Task.CompletedTask;
    private readonly Lock wakeGate = new();
    private DateTimeOffset wakeAt = DateTimeOffset.MinValue;
    private readonly SyncWaiters synced = new();

    /// <param name="suspect">Makes the backends on the node of this address suspect (the next plan leaves them out); returns how many.</param>
    public KernelPath(KernelPathOptions options, Func<KernelSnapshot> snapshot, Action<IReadOnlyDictionary<(PortProtocol, uint), KernelPort>> applied,
        Func<IPAddress, int> suspect, TimeProvider time, ILogger logger)
    {
        if (options is { StateDirectory: { } dir, RunCommand: { } run, Bridge: { } bridge })
        {
            var fp = new FastPath(options.FastPathObject ?? "", dir, bridge, run, logger);
            if (options is { RemoteTasks: true, FastPathObject: not null })
            {
                fastPath = fp;
            }
            else
            {
                leftover = fp; // this run has none: only what an earlier run with one left is removed
            }
        }
        rules = new KernelRules(options.ChainPrefix, options.Comment, fastPath is null ? 0 : FastPath.Mark);
        iptables = options.Iptables;
        this.snapshot = snapshot;
        this.applied = applied;
        this.time = time;
        this.logger = logger;
        watch = new SynWatchLoop(rules.SynList, rules.AckList, () => current.Values.Any(p => p.Targets.Any(t => t.Remote)), suspect,
            SyncAsync, time, logger);
    }

    /// <summary>
    /// Takes over what a killed daemon of the same prefix left (its fast path as it is, its rules to be replaced by the
    /// first sync, which comes at once), so that the connections it forwarded keep their path; then follows the plan.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await io.WaitAsync(ct);
        try
        {
            if (fastPath is not null)
            {
                await fastPath.AdoptAsync(ct);
            }
            else if (leftover is not null)
            {
                await leftover.RemoveStaleAsync(ct);
            }
            var save = await iptables.SaveAsync(ct);
            if (rules.HasAny(save))
            {
                adopt = save;
                touched = true; // a stop before the first sync removes them
                LogStaleAdopted();
                Request();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e.Message); // no iptables: user space serves everything; orchd starts all the same
        }
        finally
        {
            io.Release();
        }
        loop = RunAsync(stop.Token);
        watchLoop = watch.RunAsync(stop.Token);
    }

    /// <summary>The plan may have changed: apply it soon (coalesced).</summary>
    public void Request() => wake.Writer.TryWrite(true);

    /// <summary>
    /// Completes once the kernel follows the plan as it is now: after a sync that read the plan after this call ended,
    /// whether it applied rules, found nothing to change, or failed (then no rule is left and the user-space
    /// listeners, which follow the plan at once, take the port's connections).
    /// </summary>
    public Task SyncedAsync(CancellationToken ct)
    {
        var done = synced.Add();
        Request();
        return done.WaitAsync(ct);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (await wake.Reader.WaitToReadAsync(ct))
            {
                wake.Reader.TryRead(out _);
                if (!await SyncAsync(ct))
                {
                    _ = RetryLaterAsync(ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>A suspect backend's time runs out at <paramref name="at"/>: plan again then (one timer for the earliest).</summary>
    private void WakeAt(DateTimeOffset at)
    {
        lock (wakeGate)
        {
            var now = time.GetUtcNow();
            if (wakeAt > now && wakeAt <= at)
            {
                return;
            }
            wakeAt = at;
        }
        _ = WakeLaterAsync(at, stop.Token);
    }

    private async Task WakeLaterAsync(DateTimeOffset at, CancellationToken ct)
    {
        try
        {
            var wait = at - time.GetUtcNow();
            await Task.Delay(wait > TimeSpan.Zero ? wait + TimeSpan.FromMilliseconds(10) : TimeSpan.Zero, time, ct);
            Request();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RetryLaterAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(RetryAfter, ct);
            Request();
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Applies the plan as it is now (taken under the lock, so that two callers never apply an older plan last).</summary>
    private async Task<bool> SyncAsync(CancellationToken ct)
    {
        await io.WaitAsync(ct);
        var number = synced.Taken;
        try
        {
            var want = snapshot();
            if (want.NextChange is { } next)
            {
                WakeAt(next);
            }
            var desired = want.Ports.Where(p => p.Value.Targets.Count > 0).ToDictionary(p => p.Key, p => p.Value);
            if (installed && adopt is null && desired.Count == current.Count && desired.All(d => current.TryGetValue(d.Key, out var c) && c.SameRules(d.Value)))
            {
                return true;
            }
            touched = true;
            try
            {
                var counters = rules.Counters(await iptables.SaveAsync(ct));
                Fold(counters, desired, want.Backends);
                await iptables.RestoreAsync(rules.Sync(current, desired, jumps: !installed, adopt), ct);
                adopt = null;
                installed = true;
                current = desired;
                LogApplied(desired.Count, desired.Values.Sum(p => p.Targets.Count));
                if (fastPath is not null && !fastPathTried && desired.Values.Any(p => p.Targets.Any(t => t.Remote)))
                {
                    fastPathTried = true; // once per run: a kernel without it logs one warning, not one per change
                    await fastPath.AttachAsync(ct);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(e.Message);
                current = [];
                installed = false;
                adopt = null;
                await TeardownAsync(ct);
                applied(current);
                return false;
            }
            applied(desired);
            return true;
        }
        finally
        {
            io.Release();
            synced.CompleteUpTo(number);
        }
    }

    /// <summary>Adds the counters of the rules the next transaction replaces to their backends: all accounting rules, the DNAT rules of changed or dropped ports.</summary>
    private void Fold(IReadOnlyDictionary<string, (long Packets, long Bytes)> counters, Dictionary<(PortProtocol, uint), KernelPort> desired, IReadOnlyDictionary<string, Backend> backends)
    {
        var replaced = current.Values.Where(p => !desired.TryGetValue((p.Protocol, p.Port), out var d) || !d.SameRules(p)).ToList();
        foreach (var p in replaced)
        {
            foreach (var t in p.Targets)
            {
                var key = KernelRules.ConnectionKey(p.Protocol, p.Port, t.TaskId);
                if (counters.TryGetValue(key, out var c) && backends.TryGetValue(key, out var b))
                {
                    b.FoldKernel(c.Packets, 0, 0);
                }
            }
        }
        foreach (var (key, b) in backends)
        {
            var inBytes = counters.TryGetValue(key + "/in", out var i) ? i.Bytes : 0;
            var outBytes = counters.TryGetValue(key + "/out", out var o) ? o.Bytes : 0;
            b.FoldKernel(0, inBytes, outBytes);
        }
        if (fastPath is { Attached: true })
        {
            // The fast path's counters outlive rule changes; those of a backend that leaves the plan move to it.
            var kept = RemoteKeys(desired);
            var before = RemoteKeys(current);
            foreach (var gone in BpfMap.Take(FastPath.MapPin, c => !kept.ContainsKey((c.PublishedPort, c.Backend))))
            {
                if (before.TryGetValue((gone.PublishedPort, gone.Backend), out var key) && backends.TryGetValue(key, out var b))
                {
                    b.FoldKernel(0, gone.Reply ? 0 : gone.Bytes, gone.Reply ? gone.Bytes : 0);
                    b.FoldForwarded(gone.Packets);
                }
            }
        }
    }

    /// <summary>Counter key of every remote target of <paramref name="ports"/> by (published port, NODE:HOSTPORT).</summary>
    private static Dictionary<(uint, System.Net.IPEndPoint), string> RemoteKeys(Dictionary<(PortProtocol, uint), KernelPort> ports)
    {
        var keys = new Dictionary<(uint, System.Net.IPEndPoint), string>();
        foreach (var p in ports.Values.Where(p => p.Protocol == PortProtocol.Tcp))
        {
            foreach (var t in p.Targets.Where(t => t.Remote))
            {
                keys[(p.Port, t.Destination)] = KernelRules.ConnectionKey(p.Protocol, p.Port, t.TaskId);
            }
        }
        return keys;
    }

    /// <summary>The rules' counters plus what the fast path forwarded past them (its bytes and packets by direction key).</summary>
    private Dictionary<string, (long Packets, long Bytes)> WithFastPath(IReadOnlyDictionary<string, (long Packets, long Bytes)> counters)
    {
        var all = new Dictionary<string, (long Packets, long Bytes)>(counters, StringComparer.Ordinal);
        if (fastPath is not { Attached: true })
        {
            return all;
        }
        var keys = RemoteKeys(current);
        foreach (var c in BpfMap.Read(FastPath.MapPin))
        {
            if (keys.TryGetValue((c.PublishedPort, c.Backend), out var key))
            {
                foreach (var k in new[] { key + (c.Reply ? "/out" : "/in"), key + ForwardedSuffix })
                {
                    var old = all.TryGetValue(k, out var o) ? o : (0, 0);
                    all[k] = (old.Item1 + c.Packets, old.Item2 + c.Bytes);
                }
            }
        }
        return all;
    }

    /// <summary>Suffix of the counter key of what the forwarding fast path carried for a backend (both directions).</summary>
    public const string ForwardedSuffix = "/fast";

    /// <summary>The live counters of the kernel's rules (one iptables-save -c), by key; empty when the path is off.</summary>
    public async Task<IReadOnlyDictionary<string, (long Packets, long Bytes)>> CountersAsync(CancellationToken ct)
    {
        await io.WaitAsync(ct);
        try
        {
            return installed ? WithFastPath(rules.Counters(await iptables.SaveAsync(ct))) : new Dictionary<string, (long, long)>();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e.Message);
            return new Dictionary<string, (long, long)>();
        }
        finally
        {
            io.Release();
        }
    }

    private async Task TeardownAsync(CancellationToken ct)
    {
        try
        {
            if (rules.Teardown(await iptables.SaveAsync(ct)) is { } script)
            {
                await iptables.RestoreAsync(script, ct);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e.Message);
        }
    }

    /// <summary>
    /// Stops following the plan and removes every rule (orchd stopping): new connections are no longer taken. The fast
    /// path stays while it carries open connections (<see cref="FastPath.StopAsync"/>).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await watchLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await io.WaitAsync();
        try
        {
            if (touched)
            {
                await TeardownAsync(CancellationToken.None); // a daemon that never had a table spawns nothing here
            }
            if (fastPath is { Attached: true })
            {
                await fastPath.StopAsync(CancellationToken.None);
            }
            installed = false;
            current = [];
        }
        finally
        {
            io.Release();
            synced.CompleteUpTo(long.MaxValue); // no rule left: nobody waits for one
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: kernel rules left by an earlier run are replaced by the first sync (connections they NATed keep their path)")]
    private partial void LogStaleAdopted();

    [LoggerMessage(Level = LogLevel.Debug, Message = "load balancer: kernel fast path serves {Ports} port(s), {Targets} local task rule(s)")]
    private partial void LogApplied(int ports, int targets);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: kernel fast path failed, user space serves every connection: {Error}")]
    private partial void LogFailed(string error);
}
