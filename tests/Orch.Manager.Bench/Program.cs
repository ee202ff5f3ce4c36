using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.Bench;
using Orch.Manager.State;
using Task = System.Threading.Tasks.Task;

// `scheduler [TASKS] [NODES]`: the in-process scheduler benchmark (deploy/bench/scheduler.sh).
if (args is ["scheduler", ..])
{
    SchedulerBench.Run(args.Skip(1).ToArray());
    return;
}

// Raft write benchmark: 3 in-process managers, real TCP Raft and gRPC on loopback, default
// (production) timeouts. Prints latency percentiles and throughput per scenario.
var writes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
var inFlight = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 16;
using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Error).AddSimpleConsole(o => o.SingleLine = true));
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
await using var managers = new BenchManagers(loggers);
var clock = Stopwatch.StartNew();
await managers.StartAsync(3, cts.Token);
Console.WriteLine($"3 managers up in {clock.ElapsedMilliseconds} ms (init + 2 joins)");

var leader = managers.Leader();
var follower = managers.Members.Select(m => m.Store).First(s => !s.IsLeader);
var seq = 0;
Command NewNode() => new()
{
    Ops = { new Op { Create = new CreateOp { Object = new StoreObject { Node = new Node
    {
        Id = $"node-{Interlocked.Increment(ref seq):D7}",
        Spec = new NodeSpec { Labels = { ["bench"] = new string('x', 120) } },
        Description = new NodeDescription { Hostname = "bench-host" },
    } } } } },
};

async Task Run(string name, int count, int parallel, Func<Task> write)
{
    var latencies = new double[count];
    var next = -1;
    var wall = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var t = Stopwatch.GetTimestamp();
            await write();
            latencies[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }
    }));
    wall.Stop();
    Array.Sort(latencies);
    double P(double q) => latencies[Math.Min(count - 1, (int)(q * count))];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-44} n={count,6} in-flight={parallel,3}  p50={P(0.50),7:0.00} ms  p99={P(0.99),7:0.00} ms  max={latencies[^1],7:0.00} ms  {count / wall.Elapsed.TotalSeconds,8:0} writes/s"));
}

async Task Propose(RaftStore via)
{
    var r = await via.ProposeAsync(NewNode(), cts.Token);
    if (r.Error != CommandErrorCode.None)
    {
        throw new InvalidOperationException(r.Message);
    }
}

await Run("warm-up (leader store)", 300, 1, () => Propose(leader));
await Run("store.Propose on the leader, sequential", writes, 1, () => Propose(leader));
await Run("store.Propose on a follower (forwarded)", writes / 2, 1, () => Propose(follower));
await Run($"store.Propose on the leader, concurrent", writes * 2, inFlight, () => Propose(leader));

// The control API path of `orch node update --label-add`: gRPC to a manager, read barrier, write.
foreach (var (label, store) in new[] { ("leader", leader), ("follower", follower) })
{
    var address = managers.Members.First(m => m.Store == store).ApiAddress;
    using var channel = GrpcChannel.ForAddress($"http://{address}");
    var control = new Control.ControlClient(channel);
    var target = (await control.InspectNodeAsync(new InspectNodeRequest { Id = "node-0000001" })).Clone();
    var n = 0;
    await Run($"Control.UpdateNode via the {label} (gRPC)", writes / 2, 1, async () =>
    {
        target.Spec.Labels["n"] = (++n).ToString(CultureInfo.InvariantCulture);
        target = await control.UpdateNodeAsync(new UpdateNodeRequest { Id = target.Id, Version = target.Meta.Version, Spec = target.Spec });
    });
}

// Failover: stop the leader (sockets close, as with kill -9), time the first write that commits.
var survivor = follower;
clock.Restart();
await managers.StopAsync(leader);
while (true)
{
    try
    {
        await Propose(survivor);
        break;
    }
    catch (StoreUnavailableException)
    {
    }
}
Console.WriteLine($"failover: leader stopped -> first write committed through a survivor: {clock.ElapsedMilliseconds} ms");
