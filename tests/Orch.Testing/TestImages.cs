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
}
