using System.Net;
using Orch.LoadBalancer.Kernel;

namespace Orch.LoadBalancer.Tests;

/// <summary>
/// Which conntrack entries wait on a node, read from /proc/net/nf_conntrack as the kernel prints it, and the
/// netlink request that deletes one (its bytes, as ctnetlink parses them). The deletion itself runs on real nodes
/// in LoadBalancerTests.NodeKilled_NewConnectionsAllSucceed.
/// </summary>
public sealed class ConntrackTests
{
    private static readonly IPAddress B = IPAddress.Parse("10.199.3.3");

    private const string Table = """
        ipv4     2 tcp      6 118 SYN_SENT src=10.199.3.254 dst=10.199.3.1 sport=40000 dport=8080 [UNREPLIED] src=10.199.3.3 dst=10.199.3.1 sport=31001 dport=40000 mark=0 zone=0 use=2
        ipv4     2 tcp      6 431999 ESTABLISHED src=10.199.3.254 dst=10.199.3.1 sport=40001 dport=8080 src=10.199.3.3 dst=10.199.3.1 sport=31001 dport=40001 [ASSURED] mark=0 zone=0 use=2
        ipv4     2 tcp      6 118 SYN_SENT src=10.199.3.254 dst=10.199.3.1 sport=40002 dport=8080 [UNREPLIED] src=10.199.3.2 dst=10.199.3.1 sport=31002 dport=40002 mark=0 zone=0 use=2
        ipv4     2 udp      17 20 src=10.199.3.254 dst=10.199.3.1 sport=5353 dport=5353 [UNREPLIED] src=10.199.3.3 dst=10.199.3.1 sport=5353 dport=5353 mark=0 zone=0 use=2
        ipv4     2 tcp      6 118 SYN_SENT src=10.199.3.1 dst=10.199.3.3 sport=40003 dport=2377 [UNREPLIED] src=10.199.3.3 dst=10.199.3.1 sport=2377 dport=40003 mark=0 zone=0 use=2
        """;

    [Fact]
    public void WaitingOn_OnlyTcpInSynSentWhoseReplyComesFromTheNode()
    {
        var waiting = Conntrack.WaitingOn(Table.Split('\n'), B);

        Assert.Equal([
            new ConnTuple(IPAddress.Parse("10.199.3.254"), IPAddress.Parse("10.199.3.1"), 40000, 8080),
            new ConnTuple(IPAddress.Parse("10.199.3.1"), B, 40003, 2377),
        ], waiting);
    }

    [Fact]
    public void DeleteRequest_IsACtnetlinkDeleteOfTheOriginalTuple()
    {
        var t = new ConnTuple(IPAddress.Parse("10.199.3.254"), IPAddress.Parse("10.199.3.1"), 40000, 8080);

        var m = Conntrack.DeleteRequest(t, seq: 7);

        Assert.Equal(m.Length, BitConverter.ToInt32(m, 0));
        Assert.Equal(0x0102, BitConverter.ToUInt16(m, 4)); // NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE
        Assert.Equal(1 | 4, BitConverter.ToUInt16(m, 6)); // NLM_F_REQUEST | NLM_F_ACK
        Assert.Equal(7u, BitConverter.ToUInt32(m, 8));
        Assert.Equal(2, m[16]); // AF_INET
        Assert.Equal(Convert.FromHexString(
            "34000180" // CTA_TUPLE_ORIG (nested), 52 bytes
            + "14000180" + "08000100" + "0AC703FE" + "08000200" + "0AC70301" // CTA_TUPLE_IP: src, dst
            + "1C000280" + "05000100" + "06000000" + "06000200" + "9C400000" + "06000300" + "1F900000"), // CTA_TUPLE_PROTO: tcp, 40000, 8080
            m[20..]);
    }
    [Fact]
    public void CountMarked_CountsTheFastPathsEntriesThatHaveNotClosed()
    {
        const string table = """
            ipv4     2 tcp      6 431999 SYN_RECV src=10.199.3.254 dst=10.199.3.1 sport=40001 dport=8080 src=10.199.3.3 dst=10.199.3.1 sport=31001 dport=40001 [ASSURED] mark=16777216 zone=0 use=2
            ipv4     2 tcp      6 118 SYN_RECV src=10.199.3.254 dst=10.199.3.1 sport=40002 dport=8080 src=10.199.3.3 dst=10.199.3.1 sport=31001 dport=40002 [ASSURED] mark=50331648 zone=0 use=2
            ipv4     2 tcp      6 9 SYN_RECV src=10.199.3.254 dst=10.199.3.1 sport=40003 dport=8080 src=10.199.3.3 dst=10.199.3.1 sport=31001 dport=40003 [ASSURED] mark=251658240 zone=0 use=2
            ipv4     2 tcp      6 431999 ESTABLISHED src=10.199.3.254 dst=10.199.3.1 sport=40004 dport=8080 src=10.88.1.2 dst=10.199.3.254 sport=80 dport=40004 [ASSURED] mark=0 zone=0 use=2
            ipv4     2 tcp      6 431999 ESTABLISHED src=10.199.3.254 dst=10.199.3.1 sport=40005 dport=22 src=10.199.3.1 dst=10.199.3.254 sport=22 dport=40005 [ASSURED] mark=134217728 zone=0 use=2
            """;

        // Open, half-closed (client FIN), closed (not counted), a local task's (no fast path mark), someone else's mark bit.
        Assert.Equal(2, Conntrack.CountMarked(table.Split('\n'), FastPath.Mark, unless: FastPath.ClosedMark));
    }
}
