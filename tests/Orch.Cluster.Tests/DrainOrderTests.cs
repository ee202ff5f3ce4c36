using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Orch.Testing;
using Orch.Testing.Cluster;

namespace Orch.Cluster.Tests;

/// <summary>
/// The order of a task's stop (issue 6, "Draining"), seen from the clients on real nodes: every balancer stops giving
/// the task new connections before it is signalled, its open connections keep working through the stop grace
/// period, and only then is it killed. The task's server answers each line with "live HOST LINE" or, once it has
/// had its SIGTERM (which it traps and carries on), "term HOST LINE": a new connection answered "term" is a
/// connection a balancer opened to a signalled task.
/// </summary>
public sealed class DrainOrderTests
{
    private const int Port = 8080;

    private static readonly string[] Server = ["sh", "-c", """
        cat > /h.sh <<'EOF'
        #!/bin/sh
        h=$(hostname)
        while read l; do
          if [ -e /tmp/term ]; then echo "term $h $l"; else echo "live $h $l"; fi
        done
        EOF
        chmod +x /h.sh
        trap 'touch /tmp/term' TERM
        nc -ll -p 8080 -e /h.sh &
        n=$!
        while kill -0 $n 2>/dev/null; do wait $n; done
        """];

    [Fact]
    public async Task ScaleDown_NoNewConnectionAfterTheSignal_OpenOnesWorkThroughTheGracePeriod()
    {
        await using var c = await TestCluster.UpAsync(2);
        await Services.ImportBusyboxAsync(c);
        await Swarm.MustAsync(c, 1, ["service", "create", "--detach", "--name", "d", "--replicas", "2", "--replicas-max-per-node", "1",
            "--stop-grace-period", "8s", "-p", $"{Port}:{Port}", "busybox", .. Server]);
        await Services.RunningAsync(c, 1, "d", 2);
        // Both nodes' balancers give connections to both tasks.
        foreach (var k in new[] { 1, 2 })
        {
            await Eventually.MatchAsync(async () =>
            {
                var hosts = new HashSet<string>();
                for (var i = 0; i < 4; i++)
                {
                    hosts.Add(await TryAskAsync(c.Address(k)) is { } a ? a.Split(' ')[1] : "");
                }
                return hosts;
            }, hosts => hosts.Count == 2 && !hosts.Contains(""), $"n{k} balances over both tasks", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(300));
        }

        // One open connection to each task (round-robin: two in a row reach both), each asked every 200 ms.
        await using var a = await Open.ConnectAsync(c.Address(1));
        await using var b = await Open.ConnectAsync(c.Address(1));
        Assert.NotEqual(a.Host, b.Host);
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var pingA = a.PingAsync(clock, stop.Token);
        var pingB = b.PingAsync(clock, stop.Token);
        // New connections through both nodes from 4 clients, each asking once and closing, a few hundred a second: the
        // moments around the signal are covered densely, so that a balancer still giving the task connections then
        // would be seen.
        var answers = new ConcurrentQueue<(TimeSpan At, string? Answer, string? Error)>();
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            for (var i = client; !stop.IsCancellationRequested; i++)
            {
                try
                {
                    answers.Enqueue((clock.Elapsed, await AskAsync(c.Address(1 + (i % 2))), null));
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
                {
                    answers.Enqueue((clock.Elapsed, null, e.Message));
                }
                await Task.Delay(5);
            }
        })));
        await Task.Delay(1000);
        await Swarm.MustAsync(c, 1, ["service", "scale", "--detach", "d=1"]);
        await Task.Delay(TimeSpan.FromSeconds(14)); // the drain, the 8 s grace period, the kill, and a little more
        await stop.CancelAsync();
        await load;
        var (stopped, kept) = (await pingA).Any(r => r.Answer?.StartsWith("term", StringComparison.Ordinal) == true) ? (await pingA, await pingB) : (await pingB, await pingA);

        // The stopped task's open connection: it answered after the signal for (almost) the whole grace period.
        var terms = stopped.Where(r => r.Answer?.StartsWith("term", StringComparison.Ordinal) == true).ToList();
        Assert.True(terms.Count >= 20 && terms[^1].At - terms[0].At >= TimeSpan.FromSeconds(5),
            $"the stopped task's open connection answered {terms.Count} times after its SIGTERM, over {(terms.Count > 0 ? terms[^1].At - terms[0].At : TimeSpan.Zero)}: {Show(stopped)}");
        Assert.DoesNotContain(stopped.TakeWhile(r => r.Answer?.StartsWith("term", StringComparison.Ordinal) != true), r => r.Answer is null);
        // The other task's: untouched.
        Assert.True(kept.All(r => r.Answer?.StartsWith("live", StringComparison.Ordinal) == true), Show(kept));

        // New connections: every one answered, none by the signalled task, through the signal and after it.
        var all = answers.ToList();
        var signalled = stopped.First(r => r.Answer?.StartsWith("term", StringComparison.Ordinal) == true).At;
        Assert.True(all.Count(r => r.At > signalled) >= 500, $"{all.Count(r => r.At > signalled)} new connections after the signal: too few to mean anything");
        Assert.True(all.All(r => r.Answer is not null), $"failed: {string.Join("; ", all.Where(r => r.Answer is null).Take(5).Select(r => $"{r.At}: {r.Error}"))}");
        Assert.True(all.All(r => r.Answer!.StartsWith("live", StringComparison.Ordinal)),
            $"new connections answered by the signalled task: {string.Join("; ", all.Where(r => !r.Answer!.StartsWith("live", StringComparison.Ordinal)).Take(5))}");
        Assert.Contains("load balancers drained (Drained)", c.Log(1) + c.Log(2));
    }

    private static string Show(IEnumerable<(TimeSpan At, string? Answer)> rs) =>
        string.Join("; ", rs.Select(r => $"{r.At.TotalSeconds:F1}s {r.Answer ?? "(closed)"}"));

    /// <summary>One new connection: sends "n", returns the answer line.</summary>
    private static async Task<string> AskAsync(string node)
    {
        await using var o = await Open.ConnectAsync(node);
        return o.First;
    }

    private static async Task<string?> TryAskAsync(string node)
    {
        try
        {
            return await AskAsync(node);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>A connection to the service that asks a line at a time.</summary>
    private sealed class Open : IAsyncDisposable
    {
        private readonly TcpClient client = new();
        private StreamReader reader = null!;
        private Stream stream = null!;

        /// <summary>The answer to the first line sent on connect.</summary>
        public string First { get; private set; } = "";

        /// <summary>The task's hostname (from the first answer).</summary>
        public string Host => First.Split(' ')[1];

        public static async Task<Open> ConnectAsync(string node)
        {
            var o = new Open();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await o.client.ConnectAsync(node, Port, cts.Token);
            o.stream = o.client.GetStream();
            o.reader = new StreamReader(o.stream, Encoding.ASCII);
            o.First = await o.AskAsync("n") ?? throw new IOException("closed before the first answer");
            return o;
        }

        public async Task<string?> AskAsync(string line)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), cts.Token);
            return await reader.ReadLineAsync(cts.Token);
        }

        /// <summary>Asks every 200 ms until <paramref name="ct"/> or the connection ends (a null answer, recorded), stamped by <paramref name="clock"/>.</summary>
        public async Task<List<(TimeSpan At, string? Answer)>> PingAsync(Stopwatch clock, CancellationToken ct)
        {
            var rs = new List<(TimeSpan, string?)>();
            for (var i = 0; !ct.IsCancellationRequested; i++)
            {
                string? answer;
                try
                {
                    answer = await AskAsync($"p{i}");
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
                {
                    answer = null;
                }
                rs.Add((clock.Elapsed, answer));
                if (answer is null)
                {
                    break;
                }
                await Task.Delay(200, CancellationToken.None);
            }
            return rs;
        }

        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
