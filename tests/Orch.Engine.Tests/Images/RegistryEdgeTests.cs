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

    /// <summary>
    /// Staged content is published only as a whole, after it is synced: orchd killed (-9) while the layer
    /// streams in leaves no blob, snapshot or image visible, the restart sweeps what was staged, and the pull run
    /// again gives a layer identical to the pusher's, with every stored blob matching its digest.
    /// </summary>
    [Fact]
    public async Task Pull_KilledMidLayer_LeavesNothingVisible_AndTheRerunVerifiesClean()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var a = await TestDaemon.StartAsync();
        await using var b = await TestDaemon.StartAsync();
        var id = await TestImages.BusyboxAsync(a, $"{registry.Host}/killed/box:v1");
        await Ok(a.OrchAsync("push", $"{registry.Host}/killed/box:v1"));
        await using var proxy = new RegistryProxy(registry.Host);
        proxy.Fault = (method, path, _) =>
            method == "GET" && path.Contains("/blobs/", StringComparison.Ordinal) && !path.EndsWith(id[7..], StringComparison.Ordinal)
                ? ProxyFault.Stall : ProxyFault.None;

        var pull = b.OrchAsync("pull", $"{proxy.Host}/killed/box:v1");
        await proxy.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var ingest = Path.Combine(b.DataRoot, "blobs", "ingest");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!Directory.EnumerateFiles(ingest).Any(f => new FileInfo(f).Length > 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "orchd never wrote the stalled layer's first half to blobs/ingest");
            await Task.Delay(20);
        }
        await b.KillAsync();
        Assert.NotEqual(0, (await pull).ExitCode);

        var blobs = Path.Combine(b.DataRoot, "blobs", "sha256");
        var snapshots = Path.Combine(b.DataRoot, "snapshots");
        Assert.Empty(Directory.GetFileSystemEntries(blobs));
        Assert.All(Directory.GetFileSystemEntries(snapshots), s => Assert.StartsWith(".tmp-", Path.GetFileName(s), StringComparison.Ordinal));

        proxy.Fault = (_, _, _) => ProxyFault.None;
        await b.StartProcessAsync();
        Assert.Empty(Directory.GetFileSystemEntries(snapshots));
        Assert.Empty(Directory.GetFileSystemEntries(ingest));
        Assert.DoesNotContain("killed/box", (await Ok(b.OrchAsync("images"))).Stdout);

        await Ok(b.OrchAsync("pull", $"{proxy.Host}/killed/box:v1"));
        var inspect = await Ok(b.OrchAsync("image", "inspect", $"{proxy.Host}/killed/box:v1"));
        Assert.Equal(id, System.Text.Json.JsonDocument.Parse(inspect.Stdout).RootElement[0].GetProperty("Id").GetString());
        Assert.Equal(3, Directory.GetFiles(blobs).Length); // layer, config, manifest
        Assert.All(Directory.GetFiles(blobs), f => Assert.Equal("sha256:" + Path.GetFileName(f), Orch.Engine.Images.ContentStore.DigestOfFile(f)));
        var layer = Assert.Single(Directory.GetDirectories(snapshots));
        var original = Assert.Single(Directory.GetDirectories(Path.Combine(a.DataRoot, "snapshots")));
        Assert.Equal(await ImageStoreTests.TreeAsync(Path.Combine(original, "fs")), await ImageStoreTests.TreeAsync(Path.Combine(layer, "fs")));
    }
}
