using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>--network none|host|container:ID, as the runtime sets up the namespaces.</summary>
public sealed class NetworkModeTests(RuntimeFixture f) : IClassFixture<RuntimeFixture>
{
    private TestDaemon D => f.Daemon;

    private static List<string> Interfaces(string ipLinkOutput) =>
        [.. ipLinkOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => char.IsDigit(l[0]))
            .Select(l => l.Split(':')[1].Trim().Split('@')[0])];

    [Fact]
    public async Task None_HasOnlyLoopback_AndItIsUp()
    {
        var r = CliAssert.Ok(await D.OrchAsync("run", "--rm", "--network", "none", BusyboxImage.Name, "ip", "link"));
        Assert.Equal(["lo"], Interfaces(r.Stdout));
        Assert.Contains("UP", r.Stdout);
        CliAssert.Ok(await D.OrchAsync("run", "--rm", "--network", "none", BusyboxImage.Name, "ping", "-c", "1", "-W", "2", "127.0.0.1"));
    }

    [Fact]
    public async Task Host_SeesTheHostsInterfaces()
    {
        var r = CliAssert.Ok(await D.OrchAsync("run", "--rm", "--network", "host", BusyboxImage.Name, "ip", "link"));
        Assert.Contains(D.Bridge, Interfaces(r.Stdout));
    }

    [Fact]
    public async Task ContainerMode_SharesTheOthersNetwork()
    {
        var a = CliAssert.Ok(await D.OrchAsync("run", "-d", BusyboxImage.Name, "sleep", "60")).Stdout.Trim();
        try
        {
            var ip = JsonDocument.Parse(CliAssert.Ok(await D.OrchAsync("inspect", a)).Stdout).RootElement[0]
                .GetProperty("NetworkSettings").GetProperty("IPAddress").GetString()!;
            Assert.StartsWith("10.199.", ip);
            var r = CliAssert.Ok(await D.OrchAsync("run", "--rm", "--network", "container:" + a, BusyboxImage.Name, "ip", "-o", "-4", "addr"));
            Assert.Contains(" inet " + ip + "/", r.Stdout);
        }
        finally
        {
            CliAssert.Ok(await D.OrchAsync("rm", "-f", a));
        }
    }
}
