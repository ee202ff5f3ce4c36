using System.Buffers.Binary;
using System.Text;

namespace Orch.Engine.Network.Netlink;

/// <summary>
/// Builds one rtnetlink request: nlmsghdr, a fixed family header, then attributes (nested ones by
/// <see cref="Begin"/>/<see cref="End"/>), each padded to 4 bytes as netlink(7) requires.
/// </summary>
internal sealed class NetlinkMessage
{
    private byte[] buffer = new byte[256];
    private int length;

    public NetlinkMessage(ushort type, ushort flags)
    {
        length = 16; // nlmsghdr; length and sequence are filled in by Finish
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(6), flags);
    }

    /// <summary>struct ifinfomsg: family, type, index, flags, change (16 bytes).</summary>
    public NetlinkMessage IfInfo(int index, uint flags = 0, uint change = 0)
    {
        var s = Grow(16);
        s[0] = 0; // AF_UNSPEC
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], change);
        return this;
    }

    /// <summary>struct ifaddrmsg: AF_INET, prefix length, flags, scope, index (8 bytes).</summary>
    public NetlinkMessage IfAddr(byte prefixLength, int index)
    {
        var s = Grow(8);
        s[0] = 2; // AF_INET
        s[1] = prefixLength;
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], index);
        return this;
    }

    /// <summary>struct rtmsg for an IPv4 unicast route in the main table (12 bytes).</summary>
    public NetlinkMessage RtMsg(byte dstLength)
    {
        var s = Grow(12);
        s[0] = 2;   // AF_INET
        s[1] = dstLength;
        s[4] = 254; // RT_TABLE_MAIN
        s[5] = 3;   // RTPROT_BOOT, as `ip route add`
        s[6] = 0;   // RT_SCOPE_UNIVERSE
        s[7] = 1;   // RTN_UNICAST
        return this;
    }

    public NetlinkMessage Attr(ushort type, ReadOnlySpan<byte> value)
    {
        var s = Grow(Align(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(s, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], type);
        value.CopyTo(s[4..]);
        return this;
    }

    public NetlinkMessage Attr(ushort type, string value) => Attr(type, Encoding.ASCII.GetBytes(value + "\0"));

    public NetlinkMessage Attr(ushort type, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        return Attr(type, b);
    }

    /// <summary>An IPv4 address attribute (network byte order).</summary>
    public NetlinkMessage Ipv4(ushort type, uint address)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, address);
        return Attr(type, b);
    }

    /// <summary>Opens a nested attribute; returns its offset for <see cref="End"/>.</summary>
    public int Begin(ushort type)
    {
        var start = length;
        var s = Grow(4);
        BinaryPrimitives.WriteUInt16LittleEndian(s[2..], (ushort)(type | 0x8000)); // NLA_F_NESTED
        return start;
    }

    public NetlinkMessage End(int start)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(start), (ushort)(length - start));
        return this;
    }

    public ReadOnlySpan<byte> Finish(uint sequence)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)length);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(8), sequence);
        return buffer.AsSpan(0, length);
    }

    private Span<byte> Grow(int n)
    {
        if (length + n > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + n));
        }
        var s = buffer.AsSpan(length, n);
        s.Clear();
        length += n;
        return s;
    }

    private static int Align(int n) => (n + 3) & ~3;
}
