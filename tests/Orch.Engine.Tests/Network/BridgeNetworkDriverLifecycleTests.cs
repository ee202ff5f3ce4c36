using Orch.Engine.Network;

namespace Orch.Engine.Tests.Network;

/// <summary>Leases across restarts, release on detach, port conflicts, and leaving nothing behind.</summary>
public sealed class BridgeNetworkDriverLifecycleTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Leases_SurviveANewDriver_AndPortRulesAreRebuilt()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var www = Path.Combine(net.Root, "www");
        Directory.CreateDirectory(www);
        await File.WriteAllTextAsync(Path.Combine(www, "index.html"), "still here\n");
        var c1 = await net.ContainerAsync("busybox", "httpd", "-f", "-p", "8080", "-h", www);
        var hostPort = 18300 + net.Slot;
        var a1 = await net.Driver.AttachAsync("c1", c1.Pid, [new PortBinding("", hostPort, 8080, "tcp")], null, None);

        // As after kill -9 of orchd: a new driver on the same data root; the DNAT chain is rebuilt from disk.
        var driver = net.NewDriver();
        await driver.InitializeAsync(None);
        var c2 = await net.ContainerAsync();
        var a2 = await driver.AttachAsync("c2", c2.Pid, [], null, None);

        Assert.NotEqual(a1.IPAddress, a2.IPAddress);
        Assert.Equal("still here\n", await HostNetworkState.HttpGetAsync("127.0.0.1", hostPort));
        var conflict = await Assert.ThrowsAsync<NetworkException>(() =>
            driver.AttachAsync("c3", c2.Pid, [new PortBinding("", hostPort, 80, "tcp")], null, None));
        Assert.True(conflict.IsPortConflict);
    }

    [Fact]
    public async Task Detach_ReleasesAddressVethAndPortRules()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c1 = await net.ContainerAsync();
        var hostPort = 18500 + net.Slot;
        var a1 = await net.Driver.AttachAsync("c1", c1.Pid, [new PortBinding("", hostPort, 80, "tcp")], null, None);
        Assert.True(HostNetworkState.InterfaceExists(a1.HostInterface));

        await net.Driver.DetachAsync("c1", None);
        // The published port is closed when detach returns; the veth goes in the background.
        Assert.DoesNotContain($"--dport {hostPort} ", await HostNetworkState.IptablesSaveAsync());
        await net.Driver.DetachAsync("c1", None); // idempotent
        await net.Driver.WhenReleasedAsync();

        Assert.False(HostNetworkState.InterfaceExists(a1.HostInterface));
        Assert.DoesNotContain("\"c1\"", await File.ReadAllTextAsync(Path.Combine(net.Options.DataRoot, "network", "leases.json")));
        var c2 = await net.ContainerAsync();
        var a2 = await net.Driver.AttachAsync("c2", c2.Pid, [new PortBinding("", hostPort, 80, "tcp")], null, None);
        Assert.Equal(a1.IPAddress, a2.IPAddress);
    }

    [Fact]
    public async Task Detach_ThenAttachAgain_WaitsForTheOldVethAndKeepsNothingStale()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c1 = await net.ContainerAsync();
        var a1 = await net.Driver.AttachAsync("c1", c1.Pid, [], null, None);
        var c1b = await net.ContainerAsync();

        // As a restart does: detach, then at once attach the same container in a new namespace.
        await net.Driver.DetachAsync("c1", None);
        var a2 = await net.Driver.AttachAsync("c1", c1b.Pid, [], null, None);

        Assert.Equal(a1.HostInterface, a2.HostInterface);
        var eth0 = await c1b.RunInAsync("ip", "-o", "-4", "addr", "show", "eth0");
        Assert.Contains($"inet {a2.IPAddress}/24", eth0.Stdout);
        var old = await c1.RunInAsync("ip", "link", "show", "eth0");
        Assert.NotEqual(0, old.ExitCode);
    }

    [Fact]
    public async Task Initialize_DropsLeasesWhoseVethIsGone()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c1 = await net.ContainerAsync();
        var c2 = await net.ContainerAsync();
        await net.Driver.AttachAsync("alive", c1.Pid, [], null, None);
        var dead = await net.Driver.AttachAsync("dead", c2.Pid, [new PortBinding("", 19100 + net.Slot, 80, "tcp")], null, None);
        await c2.DisposeAsync(); // the namespace dies while "no daemon watches"
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (HostNetworkState.InterfaceExists(dead.HostInterface) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var driver = net.NewDriver();
        await driver.InitializeAsync(None);

        var leases = await File.ReadAllTextAsync(Path.Combine(net.Options.DataRoot, "network", "leases.json"));
        Assert.Contains("\"alive\"", leases);
        Assert.DoesNotContain("\"dead\"", leases);
        Assert.DoesNotContain($"--dport {19100 + net.Slot} ", await HostNetworkState.IptablesSaveAsync());
    }

    [Fact]
    public async Task Initialize_CorruptLeaseFile_FailsNamingTheFile()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var file = Path.Combine(net.Options.DataRoot, "network", "leases.json");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, "{\"bridge\": ");

        var e = await Assert.ThrowsAsync<NetworkException>(() => net.NewDriver().InitializeAsync(None));

        Assert.StartsWith($"lease file {file} is corrupt", e.Message);
        File.Delete(file);
    }

    [Fact]
    public async Task Attach_PortPublishedByAnotherContainer_FailsAndLeavesNothing()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c1 = await net.ContainerAsync();
        var c2 = await net.ContainerAsync();
        var hostPort = 18700 + net.Slot;
        await net.Driver.AttachAsync("c1", c1.Pid, [new PortBinding("", hostPort, 80, "tcp")], null, None);

        var e = await Assert.ThrowsAsync<NetworkException>(() =>
            net.Driver.AttachAsync("c2", c2.Pid, [new PortBinding("127.0.0.1", hostPort, 80, "tcp")], null, None));

        Assert.Equal($"Bind for 127.0.0.1:{hostPort} failed: port is already allocated", e.Message);
        Assert.False(HostNetworkState.InterfaceExists(net.Driver.HostInterfaceFor("c2")));
        var eth0 = await c2.RunInAsync("ip", "link", "show", "eth0");
        Assert.NotEqual(0, eth0.ExitCode);
        // The same port over udp is another port.
        await net.Driver.AttachAsync("c2", c2.Pid, [new PortBinding("", hostPort, 80, "udp")], null, None);
    }

    [Fact]
    public async Task Attach_PortBoundByAHostProcess_FailsWithClearError()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c1 = await net.ContainerAsync();
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;

        var e = await Assert.ThrowsAsync<NetworkException>(() =>
            net.Driver.AttachAsync("c1", c1.Pid, [new PortBinding("", port, 80, "tcp")], null, None));

        Assert.Equal($"Bind for 0.0.0.0:{port} failed: address already in use by a host process", e.Message);
        Assert.False(HostNetworkState.InterfaceExists(net.Driver.HostInterfaceFor("c1")));
    }

    [Fact]
    public async Task Attach_ProcessInTheHostNamespace_IsRefused()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var e = await Assert.ThrowsAsync<NetworkException>(() =>
            net.Driver.AttachAsync("c1", Environment.ProcessId, [], null, None));
        Assert.Contains("shares the host's network namespace", e.Message);
        Assert.False(HostNetworkState.InterfaceExists(net.Driver.HostInterfaceFor("c1")));
        var gone = await Assert.ThrowsAsync<NetworkException>(() => net.Driver.AttachAsync("c1", int.MaxValue, [], null, None));
        Assert.Contains("no process", gone.Message);
    }

    [Fact]
    public async Task BringUpLoopback_NamespaceHasOnlyLoUp()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var c = await net.ContainerAsync();
        await net.Driver.BringUpLoopbackAsync(c.Pid, None);
        var links = await c.RunInAsync("ip", "-o", "link", "show");
        var line = Assert.Single(links.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("lo: <LOOPBACK,UP,LOWER_UP>", line);
        var ping = await c.RunInAsync("busybox", "ping", "-c", "1", "-W", "2", "127.0.0.1");
        Assert.True(ping.ExitCode == 0, ping.ToString());
    }

    [Fact]
    public async Task Teardown_RemovesBridgeVethsAndExactlyOurRules()
    {
        var before = HostNetworkState.Lines(await HostNetworkState.IptablesSaveAsync(), l => !l.Contains("orch", StringComparison.OrdinalIgnoreCase));
        string bridge, veth;
        await using (var net = await NetworkSandbox.StartAsync())
        {
            var c1 = await net.ContainerAsync();
            var a = await net.Driver.AttachAsync("c1", c1.Pid, [new PortBinding("", 18900 + net.Slot, 80, "tcp")], null, None);
            bridge = net.Bridge;
            veth = a.HostInterface;
            await net.Driver.TeardownAsync(None);
            Assert.False(HostNetworkState.InterfaceExists(veth));
            Assert.False(HostNetworkState.InterfaceExists(bridge));
            Assert.False(File.Exists(Path.Combine(net.Options.DataRoot, "network", "leases.json")));
        }
        var save = await HostNetworkState.IptablesSaveAsync();
        Assert.Empty(HostNetworkState.Lines(save, l => l.Contains(bridge, StringComparison.Ordinal)));
        var after = HostNetworkState.Lines(save, l => !l.Contains("orch", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(before, after);
    }
}
