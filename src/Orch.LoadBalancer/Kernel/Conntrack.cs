using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Orch.LoadBalancer.Kernel;

/// <summary>A connection's original direction as conntrack keys it (IPv4 TCP).</summary>
internal readonly record struct ConnTuple(IPAddress Source, IPAddress Destination, ushort SourcePort, ushort DestinationPort);

/// <summary>
/// The conntrack entries of connections still waiting for a node's answer, and their removal. A DNATed TCP
/// connection keeps its conntrack entry, and with it its destination, for every retransmission of its SYN:
/// while the entry lives, the client's retries go to the same dead node. Deleting the entry (after the node
/// left the kernel's rules) lets the next retransmission through the nat table again, to a live task.
/// Listing reads /proc/net/nf_conntrack of the network namespace (only when a node is found unresponsive, and at
/// stop to count the fast path's open connections);
/// deleting sends IPCTNL_MSG_CT_DELETE with the original tuple over NETLINK_NETFILTER.
/// </summary>
internal static partial class Conntrack
{
    public const string ProcPath = "/proc/net/nf_conntrack";

    /// <summary>TCP entries in SYN_SENT whose reply comes from <paramref name="node"/> (sent there, never answered), from /proc/net/nf_conntrack text.</summary>
    public static List<ConnTuple> WaitingOn(IEnumerable<string> lines, IPAddress node)
    {
        var result = new List<ConnTuple>();
        var reply = "src=" + node;
        foreach (var line in lines)
        {
            // "ipv4 2 tcp 6 117 SYN_SENT src=C dst=A sport=P dport=Q [UNREPLIED] src=B dst=A sport=E dport=M mark=0 …"
            if (!line.Contains(" SYN_SENT ", StringComparison.Ordinal) || !line.StartsWith("ipv4", StringComparison.Ordinal))
            {
                continue;
            }
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 3 || words[2] != "tcp")
            {
                continue;
            }
            var firstSrc = Array.FindIndex(words, w => w.StartsWith("src=", StringComparison.Ordinal));
            var secondSrc = firstSrc < 0 ? -1 : Array.FindIndex(words, firstSrc + 1, w => w.StartsWith("src=", StringComparison.Ordinal));
            if (secondSrc < 0 || words[secondSrc] != reply || secondSrc - firstSrc < 4)
            {
                continue;
            }
            if (IPAddress.TryParse(Value(words[firstSrc]), out var s) && IPAddress.TryParse(Value(words[firstSrc + 1]), out var d)
                && ushort.TryParse(Value(words[firstSrc + 2]), out var sp) && ushort.TryParse(Value(words[firstSrc + 3]), out var dp))
            {
                result.Add(new ConnTuple(s, d, sp, dp));
            }
        }
        return result;
    }

    /// <summary>How many entries of /proc/net/nf_conntrack text carry every bit of <paramref name="mark"/> in their mark and none of <paramref name="unless"/>.</summary>
    public static int CountMarked(IEnumerable<string> lines, uint mark, uint unless)
    {
        var count = 0;
        foreach (var line in lines)
        {
            var at = line.IndexOf(" mark=", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            var value = line.AsSpan(at + " mark=".Length);
            var end = value.IndexOf(' ');
            if (uint.TryParse(end < 0 ? value : value[..end], System.Globalization.CultureInfo.InvariantCulture, out var m)
                && (m & mark) == mark && (m & unless) == 0)
            {
                count++;
            }
        }
        return count;
    }

    private static string Value(string word) => word[(word.IndexOf('=') + 1)..];

    /// <summary>Deletes each entry (one netlink request and its acknowledgement each); returns how many the kernel removed (one already gone is not an error).</summary>
    public static int Delete(IReadOnlyList<ConnTuple> tuples)
    {
        if (tuples.Count == 0)
        {
            return 0;
        }
        var fd = Socket(AfNetlink, SockRaw | SockCloexec, NetlinkNetfilter);
        if (fd < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError());
        }
        try
        {
            // The kernel answers every request (NLM_F_ACK); a second bounds the wait should it not.
            var timeout = new byte[16];
            BinaryPrimitives.WriteInt64LittleEndian(timeout, 1);
            _ = SetSockOpt(fd, SolSocket, SoRcvTimeo, timeout, (uint)timeout.Length);
            var deleted = 0;
            var reply = new byte[256];
            var seq = 1u;
            foreach (var t in tuples)
            {
                var request = DeleteRequest(t, seq++);
                if (Send(fd, request, (nuint)request.Length, 0) < 0)
                {
                    throw new SocketException(Marshal.GetLastPInvokeError());
                }
                var n = Recv(fd, reply, (nuint)reply.Length, 0);
                if (n < 0)
                {
                    throw new SocketException(Marshal.GetLastPInvokeError());
                }
                // NLMSG_ERROR (2) carries the answer: 0 = done, -ENOENT = already gone (answered or expired meanwhile).
                if (n >= 20 && BinaryPrimitives.ReadUInt16LittleEndian(reply.AsSpan(4)) == 2)
                {
                    var error = BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(16));
                    if (error == 0)
                    {
                        deleted++;
                    }
                    else if (error != -2)
                    {
                        throw new SocketException(-error);
                    }
                }
            }
            return deleted;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>nlmsghdr + nfgenmsg + CTA_TUPLE_ORIG { CTA_TUPLE_IP { src, dst }, CTA_TUPLE_PROTO { TCP, sport, dport } }.</summary>
    public static byte[] DeleteRequest(ConnTuple t, uint seq)
    {
        var ip = Attr(CtaTupleIp | NlaFNested, [.. Attr(CtaIpV4Src, t.Source.GetAddressBytes()), .. Attr(CtaIpV4Dst, t.Destination.GetAddressBytes())]);
        var proto = Attr(CtaTupleProto | NlaFNested,
            [.. Attr(CtaProtoNum, [(byte)ProtocolType.Tcp]), .. Attr(CtaProtoSrcPort, BigEndian(t.SourcePort)), .. Attr(CtaProtoDstPort, BigEndian(t.DestinationPort))]);
        var tuple = Attr(CtaTupleOrig | NlaFNested, [.. ip, .. proto]);
        var message = new byte[16 + 4 + tuple.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(4), (NfnlSubsysCtnetlink << 8) | IpctnlMsgCtDelete);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(6), NlmFRequest | NlmFAck);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), seq);
        message[16] = 2; // nfgenmsg.nfgen_family = AF_INET, version 0, res_id 0
        tuple.CopyTo(message.AsSpan(20));
        return message;
    }

    private static byte[] BigEndian(ushort v) => [(byte)(v >> 8), (byte)v];

    /// <summary>One netlink attribute: length (header + payload, unpadded), type, payload padded to 4 bytes.</summary>
    private static byte[] Attr(ushort type, byte[] payload)
    {
        var a = new byte[(4 + payload.Length + 3) & ~3];
        BinaryPrimitives.WriteUInt16LittleEndian(a, (ushort)(4 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(a.AsSpan(2), type);
        payload.CopyTo(a.AsSpan(4));
        return a;
    }

    private const int SolSocket = 1, SoRcvTimeo = 20;
    private const int AfNetlink = 16, SockRaw = 3, SockCloexec = 0x80000, NetlinkNetfilter = 12;
    private const ushort NfnlSubsysCtnetlink = 1, IpctnlMsgCtDelete = 2, NlmFRequest = 1, NlmFAck = 4, NlaFNested = 0x8000;
    private const ushort CtaTupleOrig = 1, CtaTupleIp = 1, CtaTupleProto = 2, CtaIpV4Src = 1, CtaIpV4Dst = 2;
    private const ushort CtaProtoNum = 1, CtaProtoSrcPort = 2, CtaProtoDstPort = 3;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(int fd, byte[] buf, nuint len, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte[] buf, nuint len, int flags);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static partial int SetSockOpt(int fd, int level, int name, byte[] value, uint length);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
