using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>The registry edge: retries of transient failures (Polly) and cross-repository mounts, seen through a proxy.</summary>
public sealed class RegistryEdgeTests
{
    private static async Task<CommandResult> Ok(Task<CommandResult> run)
    {
        var r = await run;
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [Fact]
    public async Task Pull_ThroughAProxyThatFailsTheFirstRequests_RetriesResetsAnd503AndRetryAfter()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var a = await TestDaemon.StartAsync();
        await using var b = await TestDaemon.StartAsync();
        var id = await TestImages.BusyboxAsync(a, $"{registry.Host}/flaky/box:v1");
        await Ok(a.OrchAsync("push", $"{registry.Host}/flaky/box:v1"));
        await using var proxy = new RegistryProxy(registry.Host);
        ProxyFault[] first = [ProxyFault.Reset, ProxyFault.ServiceUnavailable, ProxyFault.TooManyRequests];
        // The first three requests fail, and so does the first GET of the layer blob (cut off before any byte).
        var blobGets = 0;
        proxy.Fault = (method, path, n) =>
            n < first.Length ? first[n]
            : method == "GET" && path.Contains("/blobs/", StringComparison.Ordinal) && !path.EndsWith(id[7..], StringComparison.Ordinal)
              && Interlocked.Increment(ref blobGets) == 1 ? ProxyFault.ServiceUnavailable
            : ProxyFault.None;

        var pull = await b.OrchAsync("pull", $"{proxy.Host}/flaky/box:v1");
        Assert.True(pull.ExitCode == 0, pull + "\n" + string.Join('\n', proxy.Seen));

        Assert.Contains("Status: Downloaded newer image for " + proxy.Host + "/flaky/box:v1", pull.Stdout);
        var statuses = proxy.Seen.Select(s => s.Status).ToList();
        Assert.Equal([0, 503, 429], statuses.Take(3));
        Assert.Equal(2, proxy.Seen.Count(s => s.Method == "GET" && s.Url.Contains("/blobs/", StringComparison.Ordinal) && !s.Url.EndsWith(id[7..], StringComparison.Ordinal)));
        var inspect = await Ok(b.OrchAsync("image", "inspect", $"{proxy.Host}/flaky/box:v1"));
        Assert.Equal(id, System.Text.Json.JsonDocument.Parse(inspect.Stdout).RootElement[0].GetProperty("Id").GetString());
    }

    [Fact]
    public async Task Forbidden_IsNotRetried_AndNamesTheRefusal()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var d = await TestDaemon.StartAsync();
        await using var proxy = new RegistryProxy(registry.Host);
        proxy.Fault = (_, path, _) => path.Contains("/manifests/", StringComparison.Ordinal) ? ProxyFault.Forbidden : ProxyFault.None;

        var pull = await d.OrchAsync("pull", $"{proxy.Host}/any/box:v1");

        Assert.Equal(1, pull.ExitCode);
        Assert.Equal("Error response from daemon: manifest: 403 Forbidden", pull.Stderr.Trim());
        Assert.Single(proxy.Seen, s => s.Url.Contains("/manifests/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Push_WhoseBlobUploadIsCutOff_StartsTheUploadOverAndCompletes()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var d = await TestDaemon.StartAsync();
        await using var proxy = new RegistryProxy(registry.Host);
        var name = $"{proxy.Host}/cut/box:v1";
        await TestImages.BusyboxAsync(d, name);
        var puts = 0;
        proxy.Fault = (method, path, _) =>
            method == "PUT" && path.Contains("/blobs/uploads/", StringComparison.Ordinal) && Interlocked.Increment(ref puts) == 1 ? ProxyFault.Reset : ProxyFault.None;

        await Ok(d.OrchAsync("push", name));

        // Two blobs (layer, config): three upload sessions, the first PUT reset and started over with a new POST.
        Assert.Equal(3, proxy.Seen.Count(s => s.Method == "POST"));
        Assert.Equal(0, proxy.Seen.First(s => s.Method == "PUT" && s.Url.Contains("/blobs/", StringComparison.Ordinal)).Status);
        var skopeo = await ProcessRunner.RunAsync("skopeo", ["inspect", "--tls-verify=false", $"docker://{registry.Host}/cut/box:v1"]);
        Assert.True(skopeo.ExitCode == 0, skopeo.ToString());
    }

    [Fact]
    public async Task PushToASecondRepository_MountsTheBlobs_WithoutSendingTheirBytesAgain()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var d = await TestDaemon.StartAsync();
        await using var other = await TestDaemon.StartAsync();
        await using var proxy = new RegistryProxy(registry.Host);
        await TestImages.BusyboxAsync(d, $"{proxy.Host}/team/a:v1");
        await Ok(d.OrchAsync("push", $"{proxy.Host}/team/a:v1"));
        var firstBytes = proxy.Seen.Where(s => s.Method is "PUT" or "PATCH").Sum(s => s.BodyBytes);
        Assert.True(firstBytes > 500_000, $"first push sent {firstBytes} bytes");
        proxy.Seen.Clear();

        await Ok(d.OrchAsync("tag", $"{proxy.Host}/team/a:v1", $"{proxy.Host}/team/b:v1"));
        var push = await Ok(d.OrchAsync("push", $"{proxy.Host}/team/b:v1"));

        Assert.Contains(": Mounted from team/a", push.Stdout);
        Assert.Equal(2, proxy.Seen.Count(s => s.Method == "POST" && s.Url.Contains("mount=sha256%3A", StringComparison.Ordinal) && s.Url.Contains("from=team%2Fa", StringComparison.Ordinal) && s.Status == 201));
        // Only the manifest went up: no blob byte was sent again.
        Assert.DoesNotContain(proxy.Seen, s => s.Method == "PATCH" || (s.Method == "PUT" && s.Url.Contains("/blobs/", StringComparison.Ordinal)));
        var pull = await Ok(other.OrchAsync("pull", $"{registry.Host}/team/b:v1"));
        Assert.Contains("Pull complete", pull.Stdout);
    }
}
