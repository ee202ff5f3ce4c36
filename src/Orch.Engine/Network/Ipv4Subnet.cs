using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Orch.Engine.Network;

/// <summary>An IPv4 subnet in CIDR form; addresses are host-order integers so IPAM can count.</summary>
internal readonly record struct Ipv4Subnet(uint Network, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0 : uint.MaxValue << (32 - PrefixLength);

    public uint Broadcast => Network | ~Mask;

    /// <summary>The first address: the bridge's own address and every container's default route.</summary>
    public uint Gateway => Network + 1;

    /// <summary>First address a container may get.</summary>
    public uint FirstHost => Network + 2;

    /// <summary>Last address a container may get (the broadcast address is never leased).</summary>
    public uint LastHost => Broadcast - 1;

    public override string ToString() => $"{Format(Network)}/{PrefixLength}";

    public bool Contains(uint address) => (address & Mask) == Network;

    /// <summary>Parses "10.88.0.0/16"; a host part that is not zero is refused, as Docker does.</summary>
    public static Ipv4Subnet Parse(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr[(slash + 1)..], out var prefix) || prefix is < 8 or > 30)
        {
            throw new NetworkException($"invalid subnet {cidr}: want an IPv4 CIDR with a prefix between /8 and /30");
        }
        var subnet = new Ipv4Subnet(ToUInt32(ip), prefix);
        if ((subnet.Network & ~subnet.Mask) != 0)
        {
            throw new NetworkException($"invalid subnet {cidr}: host bits are set (did you mean {Format(subnet.Network & subnet.Mask)}/{prefix}?)");
        }
        return subnet;
    }

    public static uint ToUInt32(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[4];
        _ = ip.TryWriteBytes(b, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static uint ToUInt32(string ip) => ToUInt32(IPAddress.Parse(ip));

    public static string Format(uint address) =>
        $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}";

    /// <summary>Docker's scheme: 02:42 followed by the four bytes of the IPv4 address, so a reused address keeps its MAC and no neighbour cache goes stale.</summary>
    public static string MacFor(uint address) =>
        $"02:42:{address >> 24:x2}:{(address >> 16) & 0xff:x2}:{(address >> 8) & 0xff:x2}:{address & 0xff:x2}";
}
