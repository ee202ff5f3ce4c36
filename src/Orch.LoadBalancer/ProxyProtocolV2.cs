using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Orch.LoadBalancer;

/// <summary>
/// The PROXY protocol version 2 header (haproxy's proxy-protocol.txt, section 2.2): sent to the
/// task before the client's first byte, so that it learns the client's address and the address
/// the client connected to.
/// </summary>
internal static class ProxyProtocolV2
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] Header(IPEndPoint source, IPEndPoint destination, bool stream)
    {
        var src = Normalize(source);
        var dst = Normalize(destination);
        var v4 = src.AddressFamily == AddressFamily.InterNetwork && dst.AddressFamily == AddressFamily.InterNetwork;
        if (!v4)
        {
            src = new IPEndPoint(src.Address.MapToIPv6(), src.Port);
            dst = new IPEndPoint(dst.Address.MapToIPv6(), dst.Port);
        }
        var addrLen = v4 ? 4 : 16;
        var header = new byte[16 + (2 * addrLen) + 4];
        Signature.CopyTo(header, 0);
        header[12] = 0x21; // version 2, command PROXY
        header[13] = (byte)((v4 ? 0x10 : 0x20) | (stream ? 0x01 : 0x02)); // AF_INET/AF_INET6, STREAM/DGRAM
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)((2 * addrLen) + 4));
        src.Address.TryWriteBytes(header.AsSpan(16, addrLen), out _);
        dst.Address.TryWriteBytes(header.AsSpan(16 + addrLen, addrLen), out _);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(16 + (2 * addrLen)), (ushort)src.Port);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(18 + (2 * addrLen)), (ushort)dst.Port);
        return header;
    }

    private static IPEndPoint Normalize(IPEndPoint e) =>
        e.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(e.Address.MapToIPv4(), e.Port) : e;
}
