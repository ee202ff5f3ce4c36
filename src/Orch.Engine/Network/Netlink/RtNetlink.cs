using System.Buffers.Binary;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Orch.Engine.Network.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket (rtnetlink(7)) of the network namespace it was opened in: the few link, address and
/// route requests a container needs, each acknowledged before the next. Doing them in-process instead of
/// spawning ip(8) saves a fork+exec+dynamic-link per step, which costs milliseconds on a loaded machine.
/// Not thread-safe; one per operation.
/// </summary>
internal sealed unsafe partial class RtNetlink : IDisposable
{
    private const ushort RtmNewLink = 16, RtmDelLink = 17, RtmGetLink = 18, RtmNewAddr = 20, RtmNewRoute = 24;
    private const ushort FRequest = 0x1, FAck = 0x4, FExcl = 0x200, FCreate = 0x400, FReplace = 0x100;
    private const ushort IflaAddress = 1, IflaIfname = 3, IflaMaster = 10, IflaLinkinfo = 18, IflaNetNsPid = 19;
    private const ushort IflaInfoKind = 1, IflaInfoData = 2, VethInfoPeer = 1;
    private const ushort IfaAddress = 1, IfaLocal = 2, IfaBroadcast = 4;
    private const ushort RtaOif = 4, RtaGateway = 5;
    public const uint IffUp = 0x1;

    private readonly int fd;
    private uint sequence;

    private RtNetlink(int fd) => this.fd = fd;

    /// <summary>Opens a socket in the calling thread's network namespace.</summary>
    public static RtNetlink Open()
    {
        var fd = Socket(16 /* AF_NETLINK */, 3 /* SOCK_RAW */ | 0x80000 /* SOCK_CLOEXEC */, 0 /* NETLINK_ROUTE */);
        if (fd < 0)
        {
            throw new NetworkException("netlink socket: " + new Win32Exception(Marshal.GetLastPInvokeError()).Message);
        }
        return new RtNetlink(fd);
    }

    /// <summary>`ip link add HOST type veth peer name PEER address MAC netns PID` + `master BRIDGE up` in one request.</summary>
    public void CreateVeth(string hostName, int bridgeIndex, string peerName, ReadOnlySpan<byte> peerMac, int peerPid)
    {
        var m = new NetlinkMessage(RtmNewLink, FRequest | FAck | FCreate | FExcl).IfInfo(0, IffUp, IffUp)
            .Attr(IflaIfname, hostName)
            .Attr(IflaMaster, (uint)bridgeIndex);
        var info = m.Begin(IflaLinkinfo);
        m.Attr(IflaInfoKind, "veth");
        var data = m.Begin(IflaInfoData);
        var peer = m.Begin(VethInfoPeer);
        // The peer's attributes follow its own ifinfomsg inside VETH_INFO_PEER (see veth_newlink).
        m.IfInfo(0).Attr(IflaIfname, peerName).Attr(IflaAddress, peerMac).Attr(IflaNetNsPid, (uint)peerPid);
        m.End(peer).End(data).End(info);
        Request(m, $"create veth {hostName}");
    }

    public void DeleteLink(string name) =>
        Request(new NetlinkMessage(RtmDelLink, FRequest | FAck).IfInfo(0).Attr(IflaIfname, name), $"delete {name}");

    public void SetUp(int index) =>
        Request(new NetlinkMessage(RtmNewLink, FRequest | FAck).IfInfo(index, IffUp, IffUp), $"set link {index} up");

    public void AddAddress(int index, uint address, int prefixLength, uint broadcast) =>
        Request(new NetlinkMessage(RtmNewAddr, FRequest | FAck | FCreate | FReplace).IfAddr((byte)prefixLength, index)
            .Ipv4(IfaLocal, address).Ipv4(IfaAddress, address).Ipv4(IfaBroadcast, broadcast), "add address");

    public void AddDefaultRoute(int index, uint gateway) =>
        Request(new NetlinkMessage(RtmNewRoute, FRequest | FAck | FCreate | FReplace).RtMsg(0)
            .Ipv4(RtaGateway, gateway).Attr(RtaOif, (uint)index), "add default route");

    /// <summary>ifindex of a link by name (RTM_GETLINK).</summary>
    public int LinkIndex(string name)
    {
        var m = new NetlinkMessage(RtmGetLink, FRequest).IfInfo(0).Attr(IflaIfname, name);
        var reply = Exchange(m, $"find {name}", RtmNewLink);
        return BinaryPrimitives.ReadInt32LittleEndian(reply.AsSpan(16 + 4));
    }

    private void Request(NetlinkMessage m, string what) => Exchange(m, what, null);

    /// <summary>Sends one request and reads until its acknowledgement (or the reply of type <paramref name="want"/>).</summary>
    private byte[] Exchange(NetlinkMessage m, string what, ushort? want)
    {
        var seq = ++sequence;
        var msg = m.Finish(seq);
        fixed (byte* p = msg)
        {
            if (Send(fd, p, msg.Length, 0) < 0)
            {
                throw new NetworkException($"netlink {what}: " + new Win32Exception(Marshal.GetLastPInvokeError()).Message);
            }
        }
        var buf = new byte[32 * 1024];
        while (true)
        {
            int n;
            fixed (byte* p = buf)
            {
                n = (int)Recv(fd, p, buf.Length, 0);
            }
            if (n < 0)
            {
                throw new NetworkException($"netlink {what}: " + new Win32Exception(Marshal.GetLastPInvokeError()).Message);
            }
            for (var off = 0; off + 16 <= n;)
            {
                var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(off));
                var type = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(off + 4));
                var mseq = BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(off + 8));
                if (len < 16 || off + len > n)
                {
                    break;
                }
                if (mseq == seq)
                {
                    if (type == 2 /* NLMSG_ERROR */)
                    {
                        var errno = -BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(off + 16));
                        if (errno != 0)
                        {
                            throw new NetworkException($"netlink {what}: {new Win32Exception(errno).Message}") { Errno = errno };
                        }
                        return [];
                    }
                    if (type == want)
                    {
                        return buf.AsSpan(off, len).ToArray();
                    }
                }
                off += (len + 3) & ~3;
            }
        }
    }

    public void Dispose() => _ = Close(fd);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static partial nint Recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
