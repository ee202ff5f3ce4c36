using System.Net;
using Orch.Api.V1.Objects;
using Orch.LoadBalancer.Kernel;

namespace Orch.LoadBalancer.Tests;

/// <summary>
/// The kernel's share of a port's round-robin (KernelPlan) together with user space's remainder
/// (BackendPool.Next(remainder: true)). The kernel is modelled by its xt_statistic nth rule: a counter per
/// rule that counts the new connections reaching that rule and matches the packet-th of every every-th.
/// </summary>
public sealed class KernelPlanTests
{
    private static ServiceEndpoint Endpoint(string layout, string healthyMask = "")
    {
        var e = new ServiceEndpoint { ServiceId = "s1", ServiceName = "web", PublishedPort = 8080, TargetPort = 80 };
        for (var i = 0; i < layout.Length; i++)
        {
            e.Backends.Add(new EndpointBackend
            {
                TaskId = $"t{i}",
                NodeId = layout[i] == 'L' ? "me" : "other",
                Address = "10.0.0.1",
                Port = (uint)(30000 + i),
                Healthy = healthyMask.Length == 0 || healthyMask[i] == '1',
            });
        }
        return e;
    }

    /// <param name="remoteKernel">Remote tasks get a rule too (orchd's default); otherwise user space serves them.</param>
    private static KernelPort Plan(ServiceEndpoint e, bool remoteKernel = false) => KernelPlan.Plan(PortProtocol.Tcp, 8080, 80, [.. e.Backends.Select((b, i) =>
        new KernelCandidate(b.TaskId, b.Healthy && !b.Draining, b.NodeId == "me" ? IPAddress.Parse($"10.88.1.{i + 2}") : null,
            remoteKernel && b.NodeId != "me" ? new IPEndPoint(IPAddress.Parse(b.Address), (int)b.Port) : null))]);

    /// <summary>Sends <paramref name="n"/> new connections through the modelled nat chain, then the listener; returns who got each.</summary>
    private static List<string> Route(KernelPort plan, BackendPool pool, int n)
    {
        var counters = plan.Targets.Select(t => t.Every - 1 - t.Packet).ToArray(); // as iptables initialises the nth counter
        var result = new List<string>();
        for (var c = 0; c < n; c++)
        {
            string? by = null;
            for (var r = 0; r < plan.Targets.Count && by is null; r++)
            {
                var t = plan.Targets[r];
                counters[r] = counters[r] == t.Every - 1 ? 0 : counters[r] + 1;
                if (counters[r] == 0)
                {
                    by = t.TaskId;
                }
            }
            result.Add(by ?? pool.Next(remainder: true)?.TaskId ?? "none");
        }
        return result;
    }

    private static BackendPool Pool(ServiceEndpoint e, KernelPort plan)
    {
        var pool = new BackendPool(new ManualTime());
        pool.Update(e);
        foreach (var b in pool.Backends)
        {
            b.KernelHandled = plan.Targets.Any(t => t.TaskId == b.TaskId);
        }
        return pool;
    }

    [Theory]
    [InlineData("LRR")]
    [InlineData("RLR")]
    [InlineData("RRL")]
    [InlineData("LRLRR")]
    [InlineData("RLLRL")]
    [InlineData("LLL")]
    [InlineData("RRR")]
    [InlineData("L")]
    public void KernelAndUserSpace_TogetherWalkTheTableInExactRoundRobinOrder(string layout)
    {
        var e = Endpoint(layout);
        var plan = Plan(e);
        var pool = Pool(e, plan);

        var got = Route(plan, pool, layout.Length * 10);

        var expected = Enumerable.Range(0, layout.Length * 10).Select(c => $"t{c % layout.Length}");
        Assert.Equal(expected, got);
    }

    [Fact]
    public void ThreeTasksOneLocal_ThirtyConnectionsGiveEachTen_FromAnyPhase()
    {
        var e = Endpoint("RLR");
        var plan = Plan(e);
        var pool = Pool(e, plan);
        Route(plan, pool, 7); // earlier traffic leaves the counters and the cursor mid-cycle

        var got = Route(plan, pool, 30);

        Assert.All(got.GroupBy(t => t), g => Assert.Equal(10, g.Count()));
        Assert.Equal(3, got.Distinct().Count());
    }

    [Fact]
    public void Plan_RuleJSeesWhatEarlierRulesLetThrough()
    {
        var plan = Plan(Endpoint("LRLRR"));

        Assert.Equal([("t0", 5, 0, "10.88.1.2:80"), ("t2", 4, 1, "10.88.1.4:80")],
            plan.Targets.Select(t => (t.TaskId, t.Every, t.Packet, t.Destination.ToString())));
    }

    [Theory]
    [InlineData("LRR")]
    [InlineData("RRR")]
    [InlineData("RLRLR")]
    public void RemoteTasksInTheKernel_EveryEligibleBackendHasARule_TheKernelAloneWalksTheCycle(string layout)
    {
        var e = Endpoint(layout);
        var plan = Plan(e, remoteKernel: true);
        var pool = Pool(e, plan);

        Assert.Equal(layout.Length, plan.Targets.Count);
        Assert.Equal(layout.Select(c => c == 'R'), plan.Targets.Select(t => t.Remote));
        Assert.All(plan.Targets.Where(t => t.Remote), t => Assert.Equal($"10.0.0.1:{30000 + int.Parse(t.TaskId[1..])}", t.Destination.ToString()));
        Assert.Equal(0, plan.Targets[^1].Packet);
        Assert.Equal(1, plan.Targets[^1].Every); // the last rule takes whatever reaches it: nothing falls through to user space
        Assert.Equal(Enumerable.Range(0, layout.Length * 10).Select(c => $"t{c % layout.Length}"), Route(plan, pool, layout.Length * 10));
    }

    [Fact]
    public void RemoteTasksInTheKernel_ASuspectOneLeavesTheCycle()
    {
        var e = Endpoint("LRR");
        // t1's node left connections unanswered: not eligible until its suspect time runs out.
        var plan = KernelPlan.Plan(PortProtocol.Tcp, 8080, 80, [.. e.Backends.Select((b, i) => new KernelCandidate(b.TaskId, b.TaskId != "t1",
            b.NodeId == "me" ? IPAddress.Parse("10.88.1.2") : null, b.NodeId == "me" ? null : new IPEndPoint(IPAddress.Parse(b.Address), (int)b.Port)))]);

        Assert.Equal([("t0", 2, 0), ("t2", 1, 0)], plan.Targets.Select(t => (t.TaskId, t.Every, t.Packet)));
    }

    [Fact]
    public void Plan_IneligibleBackendsLeaveTheCycle()
    {
        // t1 (local) is unhealthy: two eligible, the local t2 is the second of them.
        var e = Endpoint("RLL", healthyMask: "101");
        var plan = Plan(e);
        var pool = Pool(e, plan);

        Assert.Equal([("t2", 2, 1)], plan.Targets.Select(t => (t.TaskId, t.Every, t.Packet)));
        Assert.Equal(["t0", "t2", "t0", "t2"], Route(plan, pool, 4));
    }

    [Fact]
    public void Next_LoopbackArrivalsWalkEveryBackend_KernelOnesIncluded()
    {
        var e = Endpoint("LRR");
        var pool = Pool(e, Plan(e));

        Assert.Equal(["t0", "t1", "t2", "t0"], Enumerable.Range(0, 4).Select(_ => pool.Next()!.TaskId));
    }

    [Fact]
    public void Next_Remainder_FallsBackToKernelBackendsWhenEveryOtherFailed()
    {
        var e = Endpoint("LRR");
        var pool = Pool(e, Plan(e));
        var tried = new HashSet<Backend>(pool.Backends.Where(b => b.TaskId != "t0"));

        Assert.Equal("t0", pool.Next(tried, remainder: true)?.TaskId);
    }

    [Fact]
    public void Next_Remainder_PrefersAHealthyLocalOverSuspectRemotes()
    {
        var e = Endpoint("LRR");
        var pool = Pool(e, Plan(e));
        foreach (var b in pool.Backends.Where(b => b.TaskId != "t0"))
        {
            pool.MarkFailed(b);
        }

        Assert.Equal("t0", pool.Next(remainder: true)?.TaskId);
    }

    [Fact]
    public void Next_WithdrawnBackend_IsNeverPicked()
    {
        var e = Endpoint("LRR");
        var pool = new BackendPool(new ManualTime());
        pool.Update(e);
        pool.Backends[0].Withdrawn = true;

        Assert.DoesNotContain("t0", Enumerable.Range(0, 6).Select(_ => pool.Next()!.TaskId));
    }
}
