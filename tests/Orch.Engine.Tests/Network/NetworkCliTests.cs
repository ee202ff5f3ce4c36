using Orch.Testing;

namespace Orch.Engine.Tests.Network;

/// <summary>`orch network ls` against a real orchd, and the daemon's own bridge coming and going.</summary>
public sealed class NetworkCliTests
{
    [Fact]
    public async Task NetworkLs_ShowsBridgeHostAndNone_AsDocker()
    {
        await using var d = await TestDaemon.StartAsync();

        var r = await d.OrchAsync("network", "ls");

        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("NETWORK ID     NAME      DRIVER    SCOPE", lines[0]);
        Assert.Matches("^[0-9a-f]{12}   bridge    bridge    local$", lines[1]);
        Assert.Matches("^[0-9a-f]{12}   host      host      local$", lines[2]);
        Assert.Matches("^[0-9a-f]{12}   none      null      local$", lines[3]);
        Assert.Equal(4, lines.Length);
        var q = await d.OrchAsync("network", "ls", "-q");
        Assert.Equal(lines.Skip(1).Select(l => l[..12]), q.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var again = await d.OrchAsync("network", "ls", "-q");
        Assert.Equal(q.Stdout, again.Stdout);
    }

    [Fact]
    public async Task NetworkLs_WithArgument_IsAUsageError()
    {
        await using var d = await TestDaemon.StartAsync();
        var r = await d.OrchAsync("network", "ls", "extra");
        Assert.Equal(125, r.ExitCode);
        Assert.StartsWith("orch: \"orch network ls\" accepts no arguments.", r.Stderr);
    }

    [Fact]
    public async Task Daemon_CreatesItsBridge_AndTestDaemonLeavesNoneBehind()
    {
        string bridge;
        await using (var d = await TestDaemon.StartAsync())
        {
            bridge = d.Bridge;
            Assert.True(HostNetworkState.InterfaceExists(bridge), $"orchd did not create {bridge}; log:\n{d.ReadLog()}");
            var save = await HostNetworkState.IptablesSaveAsync();
            Assert.Contains($"-A ORCH-{bridge}-POST -s {d.Subnet} ! -o {bridge} -j MASQUERADE", save);
            // kill -9 and restart: the bridge is reused and no rule is doubled.
            var before = HostNetworkState.Lines(save, l => l.Contains(bridge, StringComparison.Ordinal));
            await d.KillAsync();
            await d.StartProcessAsync();
            var after = HostNetworkState.Lines(await HostNetworkState.IptablesSaveAsync(), l => l.Contains(bridge, StringComparison.Ordinal));
            Assert.Equal(before.Order(StringComparer.Ordinal), after.Order(StringComparer.Ordinal));
        }
        Assert.False(HostNetworkState.InterfaceExists(bridge));
        Assert.Empty(HostNetworkState.Lines(await HostNetworkState.IptablesSaveAsync(), l => l.Contains(bridge, StringComparison.Ordinal)));
    }
}
