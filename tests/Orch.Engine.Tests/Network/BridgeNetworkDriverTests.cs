using System.Net;
using System.Net.Sockets;
using Orch.Engine.Network;

namespace Orch.Engine.Tests.Network;

/// <summary>The bridge driver against real kernel objects: namespaces of real processes, veths, bridges, iptables.</summary>
public sealed class BridgeNetworkDriverTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Attach_ConfiguresEth0LoAndDefaultRouteInsideNamespace()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c = await net.ContainerAsync();

        var a = await net.Driver.AttachAsync("c1", c.Pid, [], null, None);

        Assert.Equal($"10.198.{net.Slot}.2", a.IPAddress);
        Assert.Equal(24, a.PrefixLength);
        Assert.Equal(net.Gateway, a.Gateway);
        Assert.Matches("^veth[0-9a-f]{8}$", a.HostInterface);
        var addr = await c.RunInAsync("ip", "-o", "-4", "addr", "show");
        Assert.Contains($"eth0    inet {a.IPAddress}/24", addr.Stdout);
        Assert.Contains("lo    inet 127.0.0.1/8", addr.Stdout);
        var link = await c.RunInAsync("ip", "-o", "link", "show", "eth0");
        Assert.Contains(a.MacAddress, link.Stdout);
        Assert.Contains("state UP", link.Stdout);
        var route = await c.RunInAsync("ip", "route", "show", "default");
        Assert.Contains($"default via {net.Gateway} dev eth0", route.Stdout);
        Assert.Contains($"master {net.Bridge}", (await Orch.Testing.ProcessRunner.RunAsync("ip", ["-o", "link", "show", a.HostInterface])).Stdout);
    }

    [Fact]
    public async Task TwoContainers_PingEachOtherByAddress()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c1 = await net.ContainerAsync();
        var c2 = await net.ContainerAsync();
        var a1 = await net.Driver.AttachAsync("c1", c1.Pid, [], null, None);
        var a2 = await net.Driver.AttachAsync("c2", c2.Pid, [], null, None);
        Assert.NotEqual(a1.IPAddress, a2.IPAddress);

        var ping = await c1.RunInAsync("busybox", "ping", "-c", "1", "-W", "3", a2.IPAddress);
        Assert.True(ping.ExitCode == 0, ping.ToString());
        var back = await c2.RunInAsync("busybox", "ping", "-c", "1", "-W", "3", a1.IPAddress);
        Assert.True(back.ExitCode == 0, back.ToString());
        var gw = await c1.RunInAsync("busybox", "ping", "-c", "1", "-W", "3", net.Gateway);
        Assert.True(gw.ExitCode == 0, gw.ToString());
    }

    [Fact]
    public async Task PublishedPort_AnswersOnLoopbackAndHostAddress()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var www = Path.Combine(net.Root, "www");
        Directory.CreateDirectory(www);
        await File.WriteAllTextAsync(Path.Combine(www, "index.html"), "hello from the bridge\n");
        var c = await net.ContainerAsync("busybox", "httpd", "-f", "-p", "8080", "-h", www);
        var hostPort = 18000 + net.Slot;

        var a = await net.Driver.AttachAsync("web", c.Pid, [new PortBinding("", hostPort, 8080, "tcp")], null, None);

        Assert.Equal(hostPort, Assert.Single(a.Ports).HostPort);
        Assert.Equal("hello from the bridge\n", await HostNetworkState.HttpGetAsync("127.0.0.1", hostPort));
        var hostAddress = HostNetworkState.NonLoopbackAddress();
        if (hostAddress is not null)
        {
            Assert.Equal("hello from the bridge\n", await HostNetworkState.HttpGetAsync(hostAddress, hostPort));
        }
        // Another container reaches it by its address on the bridge, and through the published port (hairpin).
        var client = await net.ContainerAsync();
        await net.Driver.AttachAsync("client", client.Pid, [], null, None);
        // (busybox-static's wget crashes here, so a raw HTTP/1.0 request through nc.)
        var direct = await client.RunInAsync("sh", "-c", $"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 {a.IPAddress} 8080");
        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.EndsWith("\r\n\r\nhello from the bridge\n", direct.Stdout);
        var hairpin = await client.RunInAsync("sh", "-c", $"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | busybox nc -w 3 {net.Gateway} {hostPort}");
        Assert.True(hairpin.ExitCode == 0, hairpin.ToString());
        Assert.EndsWith("\r\n\r\nhello from the bridge\n", hairpin.Stdout);
    }

    [Fact]
    public async Task PublishedPort_HostPortZero_PicksAFreePort()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c = await net.ContainerAsync();
        var a = await net.Driver.AttachAsync("c1", c.Pid, [new PortBinding("127.0.0.1", 0, 80, "udp")], null, None);
        var p = Assert.Single(a.Ports);
        Assert.InRange(p.HostPort, 1024, 65535);
        Assert.Contains($"-A ORCH-{net.Bridge} -d 127.0.0.1/32 -p udp -m udp --dport {p.HostPort}",
            await HostNetworkState.IptablesSaveAsync());
    }

    [Fact]
    public async Task Bridge_KeepsItsOwnMac_WhenAPortWithALowerOneComesAndGoes()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var expected = Ipv4Subnet.MacFor(Ipv4Subnet.ToUInt32(net.Gateway));
        Assert.Equal(expected, await BridgeMacAsync(net));
        var c1 = await net.ContainerAsync();
        var c2 = await net.ContainerAsync();
        var a1 = await net.Driver.AttachAsync("c1", c1.Pid, [], null, None);
        await net.Driver.AttachAsync("c2", c2.Pid, [], null, None);
        // c1's host end gets the lowest address there is: a bridge that follows its ports would take it now and give
        // it up when c1 goes, changing the gateway's MAC under c2.
        await Orch.Testing.ProcessRunner.RunAsync("ip", ["link", "set", a1.HostInterface, "address", "02:00:00:00:00:01"]);
        Assert.Equal(expected, await BridgeMacAsync(net));
        Assert.Equal(0, (await c2.RunInAsync("busybox", "ping", "-c", "1", "-W", "2", net.Gateway)).ExitCode);
        await net.Driver.DetachAsync("c1", None);
        for (var i = 0; i < 100 && Directory.Exists($"/sys/class/net/{a1.HostInterface}"); i++)
        {
            await Task.Delay(100); // the veth goes in the background
        }
        Assert.False(Directory.Exists($"/sys/class/net/{a1.HostInterface}"), $"{a1.HostInterface} still there");
        Assert.Equal(expected, await BridgeMacAsync(net));
        var neigh = await c2.RunInAsync("ip", "neigh", "show", net.Gateway);
        Assert.Contains(expected, neigh.Stdout); // what c2 learnt is still the gateway's address
        Assert.Equal(0, (await c2.RunInAsync("busybox", "ping", "-c", "1", "-W", "2", net.Gateway)).ExitCode);
    }

    private static async Task<string> BridgeMacAsync(NetworkSandbox net) =>
        (await File.ReadAllTextAsync($"/sys/class/net/{net.Bridge}/address")).Trim();

    [Fact]
    public async Task Initialize_EnablesForwardingAndOutboundNat()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var save = await HostNetworkState.IptablesSaveAsync();
        Assert.Contains($"-A ORCH-{net.Bridge}-POST -s {net.Subnet} ! -o {net.Bridge} -j MASQUERADE", save);
        Assert.Contains($"-A POSTROUTING -m comment --comment \"orch:{net.Bridge}\" -j ORCH-{net.Bridge}-POST", save);
        Assert.Contains($"-A FORWARD -m comment --comment \"orch:{net.Bridge}\" -j ORCH-{net.Bridge}-FWD", save);
        Assert.Equal("1", (await File.ReadAllTextAsync("/proc/sys/net/ipv4/ip_forward")).Trim());
        Assert.Equal("1", (await File.ReadAllTextAsync($"/proc/sys/net/ipv4/conf/{net.Bridge}/route_localnet")).Trim());
        var addr = await Orch.Testing.ProcessRunner.RunAsync("ip", ["-o", "-4", "addr", "show", "dev", net.Bridge]);
        Assert.Contains($"inet {net.Gateway}/24", addr.Stdout);
    }

    [Fact]
    public async Task Initialize_Twice_DoesNotDuplicateRules()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var before = HostNetworkState.Lines(await HostNetworkState.IptablesSaveAsync(), l => l.Contains(net.Bridge, StringComparison.Ordinal));
        await net.NewDriver().InitializeAsync(None);
        var after = HostNetworkState.Lines(await HostNetworkState.IptablesSaveAsync(), l => l.Contains(net.Bridge, StringComparison.Ordinal));
        Assert.Equal(before.Order(StringComparer.Ordinal), after.Order(StringComparer.Ordinal));
    }
}
