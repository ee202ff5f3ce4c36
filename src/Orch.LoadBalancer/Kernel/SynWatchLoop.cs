using System.Net;
using Microsoft.Extensions.Logging;

namespace Orch.LoadBalancer.Kernel;

/// <summary>
/// The kernel path's second loop: while remote nodes have rules, polls the SYN watch (<see cref="SynWatch"/>, the
/// xt_recent lists the rules stamp) every <see cref="Every"/>. A node that leaves new connections unanswered for
/// <see cref="UnansweredFor"/> is reported (its backends become suspect, so the plan drops them), the rules are
/// applied, and the conntrack entries of the connections waiting on it are deleted, so their next SYN
/// retransmission reaches a live task.
/// </summary>
internal sealed partial class SynWatchLoop(string synList, string ackList, Func<bool> hasRemoteRules, Func<IPAddress, int> suspect,
    Func<CancellationToken, Task> sync, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan UnansweredFor = TimeSpan.FromMilliseconds(400);

    private readonly SynWatch watch = new(UnansweredFor);

    /// <summary>Runs until <paramref name="ct"/> is cancelled; acts on every node the watch reports.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            using var timer = new PeriodicTimer(Every, time);
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (!hasRemoteRules())
                {
                    continue;
                }
                foreach (var node in watch.Observe(time.GetUtcNow(), ReadRecent(synList), ReadRecent(ackList)))
                {
                    await UnansweredAsync(node, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task UnansweredAsync(IPAddress node, CancellationToken ct)
    {
        var backends = suspect(node);
        LogUnanswered(node.ToString(), (int)UnansweredFor.TotalMilliseconds, backends);
        if (backends == 0)
        {
            return;
        }
        await sync(ct); // first out of the rules, so that a retransmitted SYN no longer finds the node there
        try
        {
            var waiting = Conntrack.WaitingOn(File.ReadLines(Conntrack.ProcPath), node);
            var deleted = Conntrack.Delete(waiting);
            LogRebalanced(deleted, node.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            LogConntrackFailed(e.Message);
        }
    }

    private static string? ReadRecent(string list)
    {
        try
        {
            return File.ReadAllText("/proc/net/xt_recent/" + list);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // not created yet (no rule names it), or gone with the rules
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: node {Node} left new connections unanswered for {Ms} ms: its {Backends} backend(s) get no new connection for a while")]
    private partial void LogUnanswered(string node, int ms, int backends);

    [LoggerMessage(Level = LogLevel.Information, Message = "load balancer: {Count} connection(s) waiting on node {Node} balanced afresh at their next SYN")]
    private partial void LogRebalanced(int count, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load balancer: kernel fast path failed, user space serves every connection: conntrack: {Error}")]
    private partial void LogConntrackFailed(string error);
}
