using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Network;

/// <summary>
/// The network acceptance points through the real CLI and a real orchd: -p publishing, the bridge between
/// containers, --network none|host|container:ID, and nothing of orch left after rm -f.
/// </summary>
public sealed class NetworkModesCliTests(BusyboxDaemonFixture f) : IClassFixture<BusyboxDaemonFixture>
{
    private TestDaemon D => f.Daemon;

    private const string HttpGet = "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {0} {1}";

    private CommandResult Ok(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r + "\ndaemon log:\n" + D.ReadLog());
        return r;
    }

    /// <summary>Polls with a deadline; the failure names what never became true.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"never became true within 15 s: {what}");
    }

    private async Task<string> RunDetachedAsync(params string[] args) =>
        Ok(await D.OrchAsync(["run", "-d", .. args])).Stdout.Trim();

    private async Task<JsonElement> InspectAsync(string id) =>
        JsonDocument.Parse(Ok(await D.OrchAsync("inspect", id)).Stdout).RootElement[0];

    private async Task<string> IpOfAsync(string id) =>
        (await InspectAsync(id)).GetProperty("NetworkSettings").GetProperty("IPAddress").GetString()!;

    [Fact]
    public async Task PublishedPort_ServesAPageFromABindMount_On127001AndTheHostAddress()
    {
        var www = Path.Combine(D.Root, "www-publish");
        Directory.CreateDirectory(www);
        await File.WriteAllTextAsync(Path.Combine(www, "index.html"), "<h1>orch</h1>\n");
        var hostPort = 18079 + D.Slot;
        var id = await RunDetachedAsync("-p", $"{hostPort}:8080", "-v", www + ":/www:ro", BusyboxDaemonFixture.Image, "httpd", "-f", "-p", "8080", "-h", "/www");
        try
        {
            string? body = null;
            await EventuallyAsync(async () =>
            {
                try
                {
                    body = await HostNetworkState.HttpGetAsync("127.0.0.1", hostPort);
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, $"127.0.0.1:{hostPort} answers");
            Assert.Equal("<h1>orch</h1>\n", body);
            if (HostNetworkState.NonLoopbackAddress() is { } hostAddress)
            {
                Assert.Equal("<h1>orch</h1>\n", await HostNetworkState.HttpGetAsync(hostAddress, hostPort));
            }
            // A second container cannot take the same host port.
            var clash = await D.OrchAsync("run", "-d", "-p", $"{hostPort}:80", BusyboxDaemonFixture.Image, "sleep", "30");
            Assert.NotEqual(0, clash.ExitCode);
            Assert.Contains("port is already allocated", clash.Stderr);
        }
        finally
        {
            Ok(await D.OrchAsync("rm", "-f", id));
        }
        await Assert.ThrowsAsync<HttpRequestException>(() => HostNetworkState.HttpGetAsync("127.0.0.1", hostPort));
    }

    [Fact]
    public async Task TwoContainersOnTheBridge_ReachEachOtherByAddress()
    {
        var www = Path.Combine(D.Root, "www-bridge");
        Directory.CreateDirectory(www);
        await File.WriteAllTextAsync(Path.Combine(www, "index.html"), "from c1\n");
        var c1 = await RunDetachedAsync("-v", www + ":/www:ro", BusyboxDaemonFixture.Image, "httpd", "-f", "-p", "8080", "-h", "/www");
        try
        {
            var ip = await IpOfAsync(c1);
            Assert.StartsWith($"10.199.{D.Slot}.", ip);
            CommandResult? last = null;
            await EventuallyAsync(async () =>
            {
                last = await D.OrchAsync("run", "--rm", BusyboxDaemonFixture.Image, "sh", "-c", string.Format(System.Globalization.CultureInfo.InvariantCulture, HttpGet, ip, 8080));
                return last.ExitCode == 0 && last.Stdout.EndsWith("from c1\n", StringComparison.Ordinal);
            }, $"a second container fetches the page from {ip}:8080");
        }
        finally
        {
            Ok(await D.OrchAsync("rm", "-f", c1));
        }
    }

    [Fact]
    public async Task NetworkNone_HasOnlyLoopback()
    {
        var r = Ok(await D.OrchAsync("run", "--rm", "--network", "none", BusyboxDaemonFixture.Image, "ip", "-o", "link"));
        var line = Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(": lo: <LOOPBACK,UP,LOWER_UP>", line);
    }

    [Fact]
    public async Task NetworkHost_SeesTheHostsInterfaces()
    {
        var r = Ok(await D.OrchAsync("run", "--rm", "--network", "host", BusyboxDaemonFixture.Image, "cat", "/proc/net/dev"));
        // The daemon's own bridge exists only in the host's namespace.
        Assert.Contains(D.Bridge + ":", r.Stdout);
        foreach (var name in Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).Where(n => n is "eth0" or "lo"))
        {
            Assert.Contains(name + ":", r.Stdout);
        }
    }

    [Fact]
    public async Task NetworkContainer_SharesTheOthersNetwork()
    {
        var c1 = await RunDetachedAsync(BusyboxDaemonFixture.Image, "sleep", "60");
        try
        {
            var ip = await IpOfAsync(c1);
            var r = Ok(await D.OrchAsync("run", "--rm", "--network", "container:" + c1, BusyboxDaemonFixture.Image, "ip", "-o", "-4", "addr", "show", "eth0"));
            Assert.Contains($"inet {ip}/24", r.Stdout);
        }
        finally
        {
            Ok(await D.OrchAsync("rm", "-f", c1));
        }
    }

    [Fact]
    public async Task RmForce_LeavesNoVethOrPortRuleOfOrch()
    {
        var ports = $"/sys/class/net/{D.Bridge}/brif";
        // Veths of --rm containers of earlier tests go with their namespaces, which the kernel frees asynchronously.
        await EventuallyAsync(() => Task.FromResult(Directory.GetFileSystemEntries(ports).Length == 0), $"{D.Bridge} has no ports");
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add(await RunDetachedAsync("-p", $"{18179 + (D.Slot * 2) + i}:80", "-p", $"127.0.0.1:{18379 + (D.Slot * 2) + i}:53/udp", BusyboxDaemonFixture.Image, "sleep", "60"));
        }
        Assert.Equal(2, Directory.GetFileSystemEntries(ports).Length);
        Assert.Equal(4, HostNetworkState.Lines(await HostNetworkState.IptablesSaveAsync(), l => l.Contains($"orch:{D.Bridge}:", StringComparison.Ordinal)).Count);

        foreach (var id in ids)
        {
            Ok(await D.OrchAsync("rm", "-f", id));
        }

        // Published ports close before rm returns; veths and leases go right after (veth deletion waits for RCU).
        Assert.Empty(HostNetworkState.Lines(await HostNetworkState.IptablesSaveAsync(), l => l.Contains($"orch:{D.Bridge}:", StringComparison.Ordinal)));
        await EventuallyAsync(() => Task.FromResult(Directory.GetFileSystemEntries(ports).Length == 0), $"no veth left on {D.Bridge}");
        var leaseFile = Path.Combine(D.DataRoot, "network", "leases.json");
        await EventuallyAsync(async () =>
        {
            var leases = await File.ReadAllTextAsync(leaseFile);
            return !leases.Contains(ids[0], StringComparison.Ordinal) && !leases.Contains(ids[1], StringComparison.Ordinal);
        }, "both leases released");
    }
}
