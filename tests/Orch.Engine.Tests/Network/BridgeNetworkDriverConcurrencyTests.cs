using Orch.Engine.Network;

namespace Orch.Engine.Tests.Network;

/// <summary>Attaches running at once (a scale-up's tasks starting together) share the lease file's writes.</summary>
public sealed class BridgeNetworkDriverConcurrencyTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task ConcurrentAttaches_GetDistinctAddresses_ConfiguredInside_AndDurableForANewDriver()
    {
        await using var net = await NetworkSandbox.StartAsync();
        var containers = new List<NetnsProcess>();
        for (var i = 0; i < 8; i++)
        {
            containers.Add(await net.ContainerAsync());
        }

        var attached = await Task.WhenAll(containers.Select((c, i) => net.Driver.AttachAsync($"c{i}", c.Pid, [], null, None)));

        Assert.Equal(8, attached.Select(a => a.IPAddress).Distinct().Count());
        Assert.Equal(8, attached.Select(a => a.HostInterface).Distinct().Count());
        for (var i = 0; i < 8; i++)
        {
            var addr = await containers[i].RunInAsync("ip", "-o", "-4", "addr", "show", "eth0");
            Assert.Contains($"inet {attached[i].IPAddress}/24", addr.Stdout);
        }
        // As after kill -9 of orchd: every lease reached the disk, so a new driver hands out none of those addresses.
        var driver = net.NewDriver();
        await driver.InitializeAsync(None);
        var extra = await net.ContainerAsync();
        var next = await driver.AttachAsync("c8", extra.Pid, [], null, None);
        Assert.DoesNotContain(next.IPAddress, attached.Select(a => a.IPAddress));
    }
}
