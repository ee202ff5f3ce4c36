using System.Net;
using Orch.Api.V1.Objects;
using Orch.LoadBalancer.Kernel;

namespace Orch.LoadBalancer.Tests;

public sealed class KernelRulesTests
{
    private static readonly KernelRules Rules = new("ORCH-orch0", "orch:orch0:lb");

    private static KernelPort Port(uint port, params (string Task, string Ip, int Every, int Packet)[] targets) =>
        new(PortProtocol.Tcp, port, [.. targets.Select(t => new KernelTarget(t.Task, new IPEndPoint(IPAddress.Parse(t.Ip), 80), t.Every, t.Packet))]);

    private static Dictionary<(PortProtocol, uint), KernelPort> Of(params KernelPort[] ports) => ports.ToDictionary(p => (p.Protocol, p.Port));

    [Fact]
    public void Sync_FirstApply_CreatesJumpsChainsNthDnatAndAccounting()
    {
        var script = Rules.Sync(Of(), Of(Port(8080, ("t1", "10.88.1.2", 3, 0))), jumps: true);

        Assert.Equal("""
            *nat
            :ORCH-orch0-L - [0:0]
            :ORCH-orch0-LM - [0:0]
            :ORCH-orch0-LT8080 - [0:0]
            -A PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
            -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
            -A POSTROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LM
            -A ORCH-orch0-L -p tcp -m tcp --dport 8080 -j ORCH-orch0-LT8080
            -A ORCH-orch0-LT8080 -p tcp -m statistic --mode nth --every 3 --packet 0 -m comment --comment "orch:orch0:lb:tcp/8080/t1" -j DNAT --to-destination 10.88.1.2:80
            COMMIT
            *mangle
            :ORCH-orch0-LA - [0:0]
            -A PREROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
            -A OUTPUT -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
            -A ORCH-orch0-LA -m conntrack --ctproto tcp --ctorigdstport 8080 --ctreplsrc 10.88.1.2 --ctreplsrcport 80 --ctdir ORIGINAL -m comment --comment "orch:orch0:lb:tcp/8080/t1/in" -j RETURN
            -A ORCH-orch0-LA -m conntrack --ctproto tcp --ctorigdstport 8080 --ctreplsrc 10.88.1.2 --ctreplsrcport 80 --ctdir REPLY -m comment --comment "orch:orch0:lb:tcp/8080/t1/out" -j RETURN
            COMMIT
            *filter
            :ORCH-orch0-LF - [0:0]
            -I FORWARD 1 -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LF
            COMMIT

            """, script);
    }

    [Fact]
    public void Sync_RemoteTarget_DnatToItsNode_MasqueradedForwardedAndStampedForTheSynWatch()
    {
        var port = new KernelPort(PortProtocol.Tcp, 8080, [
            new KernelTarget("t1", new IPEndPoint(IPAddress.Parse("10.88.1.2"), 80), 2, 0),
            new KernelTarget("t2", new IPEndPoint(IPAddress.Parse("192.168.5.3"), 31001), 1, 0, Remote: true),
        ]);

        var script = Rules.Sync(Of(), Of(port), jumps: false);

        // The last rule of the cycle needs no nth match; the remote task's node and host port are the destination.
        Assert.Contains("-A ORCH-orch0-LT8080 -p tcp -m comment --comment \"orch:orch0:lb:tcp/8080/t2\" -j DNAT --to-destination 192.168.5.3:31001\n", script);
        // Only connections DNATed to that node and port for this published port are masqueraded, and they stamp the node.
        Assert.Contains("-A ORCH-orch0-LM -d 192.168.5.3/32 -p tcp -m tcp --dport 31001 -m conntrack --ctorigdstport 8080 "
            + "-m recent --set --name ORCH-orch0-syn --mask 255.255.255.255 --rdest -j MASQUERADE\n", script);
        Assert.DoesNotContain("-d 10.88.1.2/32", script); // a local container needs no masquerade
        // The node's SYN-ACKs stamp the ack list; the connection passes FORWARD whatever its policy.
        Assert.Contains("-A ORCH-orch0-LA -s 192.168.5.3/32 -p tcp -m tcp --tcp-flags SYN,ACK SYN,ACK -m conntrack --ctdir REPLY "
            + "-m recent --set --name ORCH-orch0-ack --mask 255.255.255.255 --rsource\n", script);
        Assert.Contains("-A ORCH-orch0-LF -m conntrack --ctproto tcp --ctorigdstport 8080 --ctreplsrc 192.168.5.3 --ctreplsrcport 31001 -j ACCEPT\n", script);
        Assert.Contains("--ctreplsrc 192.168.5.3 --ctreplsrcport 31001 --ctdir REPLY -m comment --comment \"orch:orch0:lb:tcp/8080/t2/out\" -j RETURN", script);
    }

    [Fact]
    public void Sync_WithTheFastPath_RemoteConnectionsAreMarkedBeforeTheMasquerade_LocalOnesNot()
    {
        var port = new KernelPort(PortProtocol.Tcp, 8080, [
            new KernelTarget("t1", new IPEndPoint(IPAddress.Parse("10.88.1.2"), 80), 2, 0),
            new KernelTarget("t2", new IPEndPoint(IPAddress.Parse("192.168.5.3"), 31001), 1, 0, Remote: true),
        ]);
        var rules = new KernelRules("ORCH-orch0", "orch:orch0:lb", fastPathMark: 0x01000000);

        var script = rules.Sync(Of(), Of(port), jumps: false);

        var mark = "-A ORCH-orch0-LM -d 192.168.5.3/32 -p tcp -m tcp --dport 31001 -m conntrack --ctorigdstport 8080 -j CONNMARK --or-mark 0x1000000\n";
        Assert.Contains(mark, script);
        Assert.True(script.IndexOf(mark, StringComparison.Ordinal) < script.IndexOf("-j MASQUERADE", StringComparison.Ordinal), script);
        Assert.Single(script.Split('\n'), l => l.Contains("CONNMARK", StringComparison.Ordinal));
        // Without the fast path nothing is marked.
        Assert.DoesNotContain("CONNMARK", Rules.Sync(Of(), Of(port), jumps: false));
    }

    [Fact]
    public void Sync_UnchangedPortChainIsNotTouched_GonePortIsDeleted_LastRuleHasNoNth()
    {
        var before = Of(Port(8080, ("t1", "10.88.1.2", 3, 0)), Port(9090, ("t9", "10.88.1.9", 2, 0)));
        var after = Of(Port(8080, ("t1", "10.88.1.2", 3, 0)), Port(7070, ("t7", "10.88.1.7", 1, 0)));

        var script = Rules.Sync(before, after, jumps: false);

        Assert.DoesNotContain(":ORCH-orch0-LT8080", script);
        Assert.DoesNotContain("-A ORCH-orch0-LT8080", script);
        Assert.Contains("-A ORCH-orch0-L -p tcp -m tcp --dport 8080 -j ORCH-orch0-LT8080\n", script);
        Assert.Contains("-A ORCH-orch0-LT7070 -p tcp -m comment --comment \"orch:orch0:lb:tcp/7070/t7\" -j DNAT --to-destination 10.88.1.7:80\n", script);
        Assert.Contains("-F ORCH-orch0-LT9090\n-X ORCH-orch0-LT9090\n", script);
        Assert.DoesNotContain("PREROUTING", script);
    }

    // As `iptables-save -c` (iptables-nft 1.8.9) prints our rules beside the engine's and the host's.
    private const string Save = """
        # Generated by iptables-save v1.8.9 (nf_tables)
        *mangle
        :PREROUTING ACCEPT [100:9000]
        :OUTPUT ACCEPT [50:4000]
        :ORCH-orch0-LA - [0:0]
        [7:700] -A PREROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
        [2:100] -A OUTPUT -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
        [4:520] -A ORCH-orch0-LA -m conntrack --ctproto 6 --ctreplsrc 10.88.1.2 --ctorigdstport 8080 --ctreplsrcport 80 --ctdir ORIGINAL -m comment --comment "orch:orch0:lb:tcp/8080/t1/in" -j RETURN
        [3:1260] -A ORCH-orch0-LA -m conntrack --ctproto 6 --ctreplsrc 10.88.1.2 --ctorigdstport 8080 --ctreplsrcport 80 --ctdir REPLY -m comment --comment "orch:orch0:lb:tcp/8080/t1/out" -j RETURN
        COMMIT
        *nat
        :PREROUTING ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :ORCH-orch0 - [0:0]
        :ORCH-orch0-L - [0:0]
        :ORCH-orch0-LT8080 - [0:0]
        :ORCH-orch0-POST - [0:0]
        [5:300] -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0" -j ORCH-orch0
        [9:540] -A PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
        [1:60] -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
        [9:540] -A ORCH-orch0-L -p tcp -m tcp --dport 8080 -j ORCH-orch0-LT8080
        [3:180] -A ORCH-orch0-LT8080 -p tcp -m statistic --mode nth --every 3 --packet 0 -m comment --comment "orch:orch0:lb:tcp/8080/t1" -j DNAT --to-destination 10.88.1.2:80
        [0:0] -A ORCH-orch0 -p tcp -m tcp --dport 31000 -m comment --comment "orch:orch0:abc" -j DNAT --to-destination 10.88.1.2:80
        COMMIT
        """;

    [Fact]
    public void Counters_ReadsOurKeyedRulesOnly()
    {
        var c = Rules.Counters(Save);

        Assert.Equal(3, c.Count);
        Assert.Equal((3L, 180L), c["tcp/8080/t1"]);
        Assert.Equal(520L, c["tcp/8080/t1/in"].Bytes);
        Assert.Equal(1260L, c["tcp/8080/t1/out"].Bytes);
    }

    [Fact]
    public void Teardown_RemovesOurJumpsAndChains_NothingOfTheEngine()
    {
        var script = Rules.Teardown(Save);

        Assert.Equal("""
            *mangle
            -D PREROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
            -D OUTPUT -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
            -F ORCH-orch0-LA
            -X ORCH-orch0-LA
            COMMIT
            *nat
            -D PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
            -D OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
            -F ORCH-orch0-L
            -F ORCH-orch0-LT8080
            -X ORCH-orch0-L
            -X ORCH-orch0-LT8080
            COMMIT

            """, script);
    }

    [Fact]
    public void Teardown_RemovesTheMasqueradeAndForwardChainsToo()
    {
        const string save = """
            *nat
            :POSTROUTING ACCEPT [0:0]
            :ORCH-orch0-LM - [0:0]
            [1:60] -A POSTROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LM
            COMMIT
            *filter
            :FORWARD DROP [0:0]
            :ORCH-orch0-FWD - [0:0]
            :ORCH-orch0-LF - [0:0]
            [0:0] -A FORWARD -m comment --comment "orch:orch0" -j ORCH-orch0-FWD
            [0:0] -A FORWARD -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LF
            COMMIT
            """;

        Assert.Equal("""
            *nat
            -D POSTROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LM
            -F ORCH-orch0-LM
            -X ORCH-orch0-LM
            COMMIT
            *filter
            -D FORWARD -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LF
            -F ORCH-orch0-LF
            -X ORCH-orch0-LF
            COMMIT

            """, Rules.Teardown(save));
    }

    [Fact]
    public void Sync_AdoptingAKilledDaemonsRules_ReplacesThemTablePerTable_InTheSameTransactionAsTheNewOnes()
    {
        // The killed daemon served 8080; the plan now is 9090 only.
        var script = Rules.Sync(Of(), Of(Port(9090, ("t9", "10.88.1.9", 1, 0))), jumps: false, adopt: Save);

        Assert.Equal("""
            *nat
            :ORCH-orch0-L - [0:0]
            :ORCH-orch0-LM - [0:0]
            :ORCH-orch0-LT9090 - [0:0]
            -D PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
            -D OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
            -A PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
            -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0:lb" -j ORCH-orch0-L
            -A POSTROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LM
            -A ORCH-orch0-L -p tcp -m tcp --dport 9090 -j ORCH-orch0-LT9090
            -A ORCH-orch0-LT9090 -p tcp -m comment --comment "orch:orch0:lb:tcp/9090/t9" -j DNAT --to-destination 10.88.1.9:80
            -F ORCH-orch0-LT8080
            -X ORCH-orch0-LT8080
            COMMIT
            *mangle
            :ORCH-orch0-LA - [0:0]
            -D PREROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
            -D OUTPUT -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
            -A PREROUTING -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
            -A OUTPUT -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LA
            -A ORCH-orch0-LA -m conntrack --ctproto tcp --ctorigdstport 9090 --ctreplsrc 10.88.1.9 --ctreplsrcport 80 --ctdir ORIGINAL -m comment --comment "orch:orch0:lb:tcp/9090/t9/in" -j RETURN
            -A ORCH-orch0-LA -m conntrack --ctproto tcp --ctorigdstport 9090 --ctreplsrc 10.88.1.9 --ctreplsrcport 80 --ctdir REPLY -m comment --comment "orch:orch0:lb:tcp/9090/t9/out" -j RETURN
            COMMIT
            *filter
            :ORCH-orch0-LF - [0:0]
            -I FORWARD 1 -m conntrack --ctstate DNAT -m comment --comment "orch:orch0:lb" -j ORCH-orch0-LF
            COMMIT

            """, script);
        Assert.True(Rules.HasAny(Save));
        Assert.False(new KernelRules("ORCH-orcht3", "orch:orcht3:lb").HasAny(Save));
    }

    [Fact]
    public void Teardown_NothingOfOurs_IsNull()
    {
        Assert.Null(new KernelRules("ORCH-orcht3", "orch:orcht3:lb").Teardown(Save));
    }
}
