using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>HTTPS by default; plain HTTP only for loopback registries and those orchd lists with --insecure-registry.</summary>
public sealed class InsecureRegistryTests
{
    [Fact]
    public async Task PlainHttpRegistryOffLoopback_IsRefusedWithDockersWords_UntilListedAsInsecure()
    {
        await using var ns = await RegistryNamespace.CreateAsync();
        await using var registry = await TestRegistry.StartAsync(netns: ns.Name, address: ns.Address);
        await using var d = await TestDaemon.StartAsync();
        var name = $"{registry.Host}/remote/box:v1";
        await TestImages.BusyboxAsync(d, name);

        var refused = await d.OrchAsync("push", name);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"Error response from daemon: Get \"https://{registry.Host}/v2/\": http: server gave HTTP response to HTTPS client "
                     + $"(plain HTTP is allowed only for loopback registries and those orchd lists with --insecure-registry {registry.Host})",
            refused.Stderr.Trim());
        Assert.Equal(1, (await d.OrchAsync("pull", name)).ExitCode);

        await d.StopAsync();
        d.ExtraArgs.AddRange(["--insecure-registry", registry.Host]);
        await d.StartProcessAsync();
        var push = await d.OrchAsync("push", name);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Equal(0, (await d.OrchAsync("rmi", name)).ExitCode);
        var pull = await d.OrchAsync("pull", name);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains("Pull complete", pull.Stdout);

        // Listing one registry allows only that one: another port on the same address is still HTTPS.
        var other = await d.OrchAsync("pull", $"{ns.Address}:5001/remote/box:v1");
        Assert.Equal(1, other.ExitCode);
        Assert.Contains($"cannot reach registry {ns.Address}:5001", other.Stderr);
    }
}
