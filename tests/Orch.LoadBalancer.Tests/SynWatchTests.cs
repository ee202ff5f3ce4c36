using System.Net;
using Orch.LoadBalancer.Kernel;

namespace Orch.LoadBalancer.Tests;

/// <summary>
/// The SYN watch on /proc/net/xt_recent text as the kernel prints it: a node is suspect once a connection sent
/// to it stays unanswered for the threshold, never while it answers anything, and once per silence.
/// </summary>
public sealed class SynWatchTests
{
    private static readonly IPAddress B = IPAddress.Parse("10.199.3.3");
    private static readonly IPAddress C = IPAddress.Parse("10.199.3.4");
    private static readonly TimeSpan Threshold = TimeSpan.FromMilliseconds(400);
    private readonly DateTimeOffset t0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // As xt_recent prints a list: "src=ADDR ttl: T last_seen: J oldest_pkt: I J1, J2, …".
    private static string List(params (IPAddress Ip, ulong[] Stamps)[] entries) => string.Concat(entries.Select(e =>
        $"src={e.Ip} ttl: 64 last_seen: {e.Stamps[^1]} oldest_pkt: {e.Stamps.Length} {string.Join(", ", e.Stamps)}\n"));

    private DateTimeOffset At(int ms) => t0 + TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Parse_ReadsTheKernelsFormat()
    {
        var parsed = SynWatch.Parse("src=10.199.3.3 ttl: 64 last_seen: 4295001000 oldest_pkt: 3 4295000900, 4295000950, 4295001000\n");

        Assert.Equal([4295000900UL, 4295000950, 4295001000, 4295001000], parsed[B]);
    }

    [Fact]
    public void UnansweredForTheThreshold_Suspect_Once()
    {
        var w = new SynWatch(Threshold);
        var syn = List((B, [1000]));

        Assert.Empty(w.Observe(At(0), syn, null));
        Assert.Empty(w.Observe(At(300), syn, null));
        Assert.Equal([B], w.Observe(At(400), syn, null));
        Assert.Empty(w.Observe(At(800), syn, null)); // the same silence is reported once
        // A new connection after the node was left out (its suspect time ran out) starts a new wait.
        var later = List((B, [1000, 2500]));
        Assert.Empty(w.Observe(At(5000), later, null));
        Assert.Equal([B], w.Observe(At(5400), later, null));
    }

    [Fact]
    public void ANodeThatAnswersLaterConnections_IsNotSuspect()
    {
        var w = new SynWatch(Threshold);

        Assert.Empty(w.Observe(At(0), List((B, [1000])), List((B, [990]))));
        // One SYN (say, dropped by a full accept queue) is never answered, but later ones are.
        for (var ms = 100; ms <= 1000; ms += 100)
        {
            Assert.Empty(w.Observe(At(ms), List((B, [1000, (ulong)(1000 + ms)])), List((B, [(ulong)(1000 + ms)]))));
        }
    }

    [Fact]
    public void AnsweredWithinTheSameJiffy_IsAnswered()
    {
        var w = new SynWatch(Threshold);
        var syn = List((B, [1000]));
        var ack = List((B, [1000]));

        Assert.Empty(w.Observe(At(0), syn, ack));
        Assert.Empty(w.Observe(At(1000), syn, ack));
    }

    [Fact]
    public void OnlyTheSilentNode_IsSuspect_AndJiffiesWrapAround()
    {
        var w = new SynWatch(Threshold);
        const ulong nearWrap = ulong.MaxValue - 5;
        var syn = List((B, [nearWrap]), (C, [nearWrap, 10]));
        var ack = List((B, [3])); // B answered after the counter wrapped; C never did

        Assert.Empty(w.Observe(At(0), syn, ack));
        Assert.Equal([C], w.Observe(At(500), syn, ack));
    }

    [Fact]
    public void NoListsYet_NothingSuspect()
    {
        var w = new SynWatch(Threshold);

        Assert.Empty(w.Observe(At(0), null, null));
        Assert.Empty(w.Observe(At(1000), null, null));
    }
}
