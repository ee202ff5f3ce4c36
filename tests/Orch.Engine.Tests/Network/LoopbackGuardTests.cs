using System.Net;
using System.Net.Sockets;

namespace Orch.Engine.Tests.Network;

/// <summary>
/// route_localnet=1 on the bridge (needed to publish on 127.0.0.1) must not open the host's loopback-only
/// services to containers: a container that routes 127.0.0.1 to the gateway is dropped.
/// </summary>
public sealed class LoopbackGuardTests
{
    [Fact]
    public async Task Container_CannotReachAHostServiceBoundToLoopbackOnly()
    {
        await using var net = await NetworkSandbox.StartAsync();
        using var hostOnly = new TcpListener(IPAddress.Loopback, 0);
        hostOnly.Start();
        var port = ((IPEndPoint)hostOnly.LocalEndpoint).Port;
        var c = await net.ContainerAsync();
        await net.Driver.AttachAsync("c1", c.Pid, [], null, CancellationToken.None);

        // What a hostile container with CAP_NET_ADMIN can do: send 127.0.0.1 out of eth0 to the host.
        var r = await c.RunInAsync("sh", "-c",
            "echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet && echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet && " +
            "ip route del local 127.0.0.1 dev lo table local && ip route del local 127.0.0.0/8 dev lo table local && " +
            $"ip route add 127.0.0.1/32 via {net.Gateway} dev eth0 && " +
            $"echo probe | busybox nc -w 2 127.0.0.1 {port}; echo nc=$?");

        Assert.Contains("nc=1", r.Stdout + r.Stderr);
        Assert.False(hostOnly.Pending(), "a container reached a host service bound to 127.0.0.1");
        // The guard itself saw the attempt (this kernel may refuse the reply anyway; the rule must not rely on that).
        var counters = await Orch.Testing.ProcessRunner.RunAsync("iptables", ["-t", "filter", "-L", $"ORCH-{net.Bridge}-IN", "-v", "-x", "-n"]);
        var drop = counters.Stdout.Split('\n').Single(l => l.Contains("DROP", StringComparison.Ordinal));
        Assert.True(long.Parse(drop.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture) > 0, counters.ToString());
    }
}
