using Orch.Engine.Network;

namespace Orch.Engine.Tests.Network;

/// <summary>Pure rendering of the iptables-restore scripts and of the address plan.</summary>
public sealed class BridgeRulesTests
{
    private static readonly BridgeRules Rules = new("orch0", Ipv4Subnet.Parse("10.88.0.0/16"));

    private const string SaveWithOurs = """
        *nat
        :PREROUTING ACCEPT [0:0]
        :ORCH-orch0 - [0:0]
        :ORCH-orch0-POST - [0:0]
        -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "orch:orch0" -j ORCH-orch0
        -A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "orch:orch00" -j ORCH-orch00
        -A POSTROUTING -s 10.0.0.0/8 -j MASQUERADE
        COMMIT
        *filter
        :FORWARD ACCEPT [0:0]
        -A FORWARD -m comment --comment "orch:orch0" -j ORCH-orch0-FWD
        COMMIT
        """;

    [Fact]
    public void Setup_DeletesOnlyOurOldJumps_BeforeAddingThem()
    {
        var script = Rules.Setup(SaveWithOurs, []);
        Assert.Contains("-D PREROUTING -m addrtype --dst-type LOCAL -m comment --comment \"orch:orch0\" -j ORCH-orch0\n", script);
        Assert.DoesNotContain("orch:orch00", script);
        Assert.DoesNotContain("-D POSTROUTING -s 10.0.0.0/8", script);
        Assert.Contains("-D FORWARD -m comment --comment \"orch:orch0\" -j ORCH-orch0-FWD\n", script);
        Assert.True(script.IndexOf("-D FORWARD", StringComparison.Ordinal) < script.IndexOf("-I FORWARD 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Ports_RendersOneDnatPerBinding_WithTheHostAddressWhenGiven()
    {
        var lease = new Lease("abcdef0123456789", "10.88.0.2", "02:42:0a:58:00:02", "veth00000000",
            [new PortBinding("", 8080, 80, "tcp"), new PortBinding("127.0.0.1", 5353, 53, "udp")], null);
        var script = Rules.Ports([lease]);
        Assert.Equal(
            "*nat\n:ORCH-orch0 - [0:0]\n" +
            "-A ORCH-orch0 -p tcp -m tcp --dport 8080 -m comment --comment \"orch:orch0:abcdef012345\" -j DNAT --to-destination 10.88.0.2:80\n" +
            "-A ORCH-orch0 -d 127.0.0.1/32 -p udp -m udp --dport 5353 -m comment --comment \"orch:orch0:abcdef012345\" -j DNAT --to-destination 10.88.0.2:53\n" +
            "COMMIT\n", script);
    }

    [Fact]
    public void Teardown_NothingOfOurs_ReturnsNull()
    {
        Assert.Null(Rules.Teardown("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ORCH-other\nCOMMIT\n"));
    }

    [Fact]
    public void Teardown_DeletesJumpsThenFlushesAndDeletesOnlyExistingChains()
    {
        var script = Rules.Teardown(SaveWithOurs)!;
        Assert.Contains("-F ORCH-orch0\n-F ORCH-orch0-POST\n-X ORCH-orch0\n-X ORCH-orch0-POST\n", script);
        Assert.DoesNotContain("ORCH-orch0-IN", script);
        Assert.True(script.IndexOf("-D PREROUTING", StringComparison.Ordinal) < script.IndexOf("-F ORCH-orch0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.88.0.0/16", "10.88.0.1", "10.88.0.2", "10.88.255.254")]
    [InlineData("10.199.7.0/24", "10.199.7.1", "10.199.7.2", "10.199.7.254")]
    public void Subnet_GatewayIsFirstAddress_BroadcastNeverLeased(string cidr, string gateway, string first, string last)
    {
        var s = Ipv4Subnet.Parse(cidr);
        Assert.Equal(gateway, Ipv4Subnet.Format(s.Gateway));
        Assert.Equal(first, Ipv4Subnet.Format(s.FirstHost));
        Assert.Equal(last, Ipv4Subnet.Format(s.LastHost));
    }

    [Theory]
    [InlineData("10.88.0.1/16", "host bits are set")]
    [InlineData("10.88.0.0", "want an IPv4 CIDR")]
    [InlineData("fd00::/64", "want an IPv4 CIDR")]
    [InlineData("10.0.0.0/31", "want an IPv4 CIDR")]
    public void Subnet_Invalid_SaysWhy(string cidr, string why)
    {
        var e = Assert.Throws<NetworkException>(() => Ipv4Subnet.Parse(cidr));
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void Mac_IsDerivedFromTheAddress()
    {
        Assert.Equal("02:42:0a:58:00:02", Ipv4Subnet.MacFor(Ipv4Subnet.ToUInt32("10.88.0.2")));
    }

    [Theory]
    [InlineData("", 80, 80, "sctp", "invalid protocol sctp")]
    [InlineData("", 70000, 80, "tcp", "ports are 1-65535")]
    [InlineData("", 80, 0, "tcp", "ports are 1-65535")]
    [InlineData("::1", 80, 80, "tcp", "only IPv4 addresses")]
    public void PortBinding_Invalid_SaysWhy(string ip, int host, int ctr, string proto, string why)
    {
        var e = Assert.Throws<NetworkException>(() => PortReservations.Validate(new PortBinding(ip, host, ctr, proto)));
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void PortBinding_DefaultsToTcp_And0000MeansEveryAddress()
    {
        Assert.Equal(new PortBinding("", 80, 8080, "tcp"), PortReservations.Validate(new PortBinding("0.0.0.0", 80, 8080, "")));
    }
}
