using Orch.Testing;

namespace Orch.Engine.Tests.Build;

/// <summary>
/// Debian's buildah as the reference builder, with a private storage root under the test's directory
/// (never the machine's /var/lib/containers). Dispose removes its images, unmounts what it mounted and
/// deletes the root.
/// </summary>
internal sealed class BuildahPeer : IAsyncDisposable
{
    private readonly string root;

    public BuildahPeer(string dir)
    {
        root = dir;
        Directory.CreateDirectory(root);
    }

    private string[] Global => ["--root", Path.Combine(root, "storage"), "--runroot", Path.Combine(root, "run"), "--storage-driver", "overlay"];

    public Task<CommandResult> RunAsync(params string[] args) =>
        ProcessRunner.RunAsync("buildah", [.. Global, .. args], TimeSpan.FromMinutes(3));

    public async Task<CommandResult> MustAsync(params string[] args)
    {
        var r = await RunAsync(args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>Makes an image archive (orch save) available to FROM under its name, as a local image.</summary>
    public Task ImportAsync(string archive) => MustAsync("pull", "-q", "docker-archive:" + archive);

    /// <summary>buildah bud as the issue prescribes (runc: the packaged crun refuses hybrid cgroups).</summary>
    public Task<CommandResult> BudAsync(string context, string tag) =>
        MustAsync("bud", "--layers", "--runtime", "/usr/sbin/runc", "--pull-never", "-t", tag, context);

    public Task PushOciAsync(string tag, string layoutDir) => MustAsync("push", "-q", tag, "oci:" + layoutDir + ":t");

    public async ValueTask DisposeAsync()
    {
        await RunAsync("rm", "--all");
        await RunAsync("rmi", "--all", "--force");
        LeakCheck.UnmountBelow(root);
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
