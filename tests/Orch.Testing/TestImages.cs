namespace Orch.Testing;

/// <summary>
/// Test images made the way users make them: deploy/images/busybox.sh against a daemon. (Not named "Images":
/// inside Orch.Engine.* that name is the Orch.Engine.Images namespace.)
/// </summary>
public static class TestImages
{
    /// <summary>Runs deploy/images/busybox.sh against <paramref name="daemon"/>; returns the image ID (sha256:…).</summary>
    public static async Task<string> BusyboxAsync(TestDaemon daemon, string reference = "busybox:latest")
    {
        var script = Path.Combine(Binaries.RepoRoot, "deploy", "images", "busybox.sh");
        var r = await ProcessRunner.RunAsync(script, [reference], TimeSpan.FromSeconds(60), env: new Dictionary<string, string>
        {
            ["ORCH_HOST"] = "unix://" + daemon.Socket,
            ["ORCH"] = Binaries.Orch,
        });
        if (r.ExitCode != 0 || !r.Stdout.StartsWith("sha256:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"busybox.sh failed:\n{r}");
        }
        return r.Stdout.Trim();
    }

    /// <summary>
    /// Builds <paramref name="reference"/> FROM <paramref name="from"/> with three more layers (each a COPY of a
    /// 256 KiB file of its own), so a push or pull moves several blobs at once.
    /// </summary>
    public static async Task LayeredAsync(TestDaemon daemon, string from, string reference)
    {
        var context = Directory.CreateTempSubdirectory("orch-layered-").FullName;
        try
        {
            var dockerfile = $"FROM {from}\n";
            for (var i = 1; i <= 3; i++)
            {
                var data = new byte[256 << 10];
                Random.Shared.NextBytes(data);
                await File.WriteAllBytesAsync(Path.Combine(context, $"layer{i}"), data);
                dockerfile += $"COPY layer{i} /layer{i}\n";
            }
            await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), dockerfile);
            var r = await daemon.OrchAsync(TimeSpan.FromMinutes(3), ["build", "-q", "-t", reference, context]);
            if (r.ExitCode != 0)
            {
                throw new InvalidOperationException($"orch build of {reference} failed:\n{r}");
            }
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }
}
