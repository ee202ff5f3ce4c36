using System.Net;

namespace Orch.LoadBalancer.Tests;

public sealed class ProxyProtocolV2Tests
{
    [Fact]
    public void Header_Ipv4Stream_IsTheSpecsBytes()
    {
        var header = ProxyProtocolV2.Header(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 51000), new IPEndPoint(IPAddress.Parse("10.1.2.3"), 8080), stream: true);

        byte[] expected =
        [
            0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, // signature
            0x21, 0x11, 0x00, 0x0C,                                                 // v2 PROXY, TCP over IPv4, 12 bytes follow
            192, 0, 2, 7, 10, 1, 2, 3,                                               // source, destination
            0xC7, 0x38, 0x1F, 0x90,                                                  // 51000, 8080
        ];
        Assert.Equal(expected, header);
    }

    [Fact]
    public void Header_MappedIpv4_IsSentAsIpv4()
    {
        var header = ProxyProtocolV2.Header(new IPEndPoint(IPAddress.Parse("::ffff:192.0.2.7"), 1), new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 2), stream: true);

        Assert.Equal(0x11, header[13]);
        Assert.Equal(28, header.Length);
    }

    [Fact]
    public void Header_Ipv6Datagram_Uses36AddressBytes()
    {
        var header = ProxyProtocolV2.Header(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 1), new IPEndPoint(IPAddress.Parse("2001:db8::2"), 2), stream: false);

        Assert.Equal(0x22, header[13]);
        Assert.Equal(36, (header[14] << 8) | header[15]);
        Assert.Equal(16 + 36, header.Length);
    }
}
