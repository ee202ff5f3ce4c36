using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>orch save / orch load across data roots, and archives written by a peer (skopeo's docker-archive).</summary>
public sealed class ArchiveTests
{
    private static async Task<CommandResult> Ok(Task<CommandResult> run)
    {
        var r = await run;
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    private static async Task<JsonElement> InspectAsync(TestDaemon d, string name) =>
        JsonDocument.Parse((await Ok(d.OrchAsync("image", "inspect", name))).Stdout).RootElement[0].Clone();

    [Fact]
    public async Task Save_ThenLoadOnAnotherDataRoot_KeepsImageIdAndManifestDigest_AndSkopeoReadsTheArchive()
    {
        await using var a = await TestDaemon.StartAsync();
        await using var b = await TestDaemon.StartAsync();
        var id = await TestImages.BusyboxAsync(a);
        var archive = Path.Combine(a.Root, "busybox.tar");

        await Ok(a.OrchAsync("save", "-o", archive, "busybox"));
        var load = await Ok(b.OrchAsync("load", "-i", archive));

        Assert.Equal("Loaded image: busybox:latest", load.Stdout.Trim());
        var before = await InspectAsync(a, "busybox");
        var after = await InspectAsync(b, "busybox");
        Assert.Equal(id, after.GetProperty("Id").GetString());
        Assert.Equal(before.GetProperty("Manifest").GetProperty("Digest").GetString(), after.GetProperty("Manifest").GetProperty("Digest").GetString());
        Assert.Equal(before.GetProperty("RootFS").ToString(), after.GetProperty("RootFS").ToString());

        var skopeo = await ProcessRunner.RunAsync("skopeo", ["inspect", "--config", "--raw", "oci-archive:" + archive]);
        Assert.True(skopeo.ExitCode == 0, skopeo.ToString());
        Assert.Equal(id, Orch.Engine.Images.Digest.Of(System.Text.Encoding.UTF8.GetBytes(skopeo.Stdout)));
    }

    [Fact]
    public async Task DockerSaveArchive_WrittenBySkopeo_Loads()
    {
        await using var a = await TestDaemon.StartAsync();
        await using var b = await TestDaemon.StartAsync();
        var id = await TestImages.BusyboxAsync(a);
        var oci = Path.Combine(a.Root, "oci.tar");
        var docker = Path.Combine(a.Root, "docker.tar");
        await Ok(a.OrchAsync("save", "-o", oci, "busybox"));
        await Ok(ProcessRunner.RunAsync("skopeo", ["copy", "-q", "oci-archive:" + oci, $"docker-archive:{docker}:legacy/img:v1"]));

        var load = await Ok(ProcessRunner.ShAsync($"'{Binaries.Orch}' -H unix://{b.Socket} load < '{docker}'"));

        Assert.Equal("Loaded image: legacy/img:v1", load.Stdout.Trim());
        var loaded = await InspectAsync(b, "legacy/img:v1");
        Assert.Equal(id, loaded.GetProperty("Id").GetString());
        Assert.Single(Directory.GetDirectories(Path.Combine(b.DataRoot, "snapshots")));
    }

    [Fact]
    public async Task Load_NotAnArchive_OneLineError_NothingKept()
    {
        await using var d = await TestDaemon.StartAsync();
        var junk = Path.Combine(d.Root, "junk.tar");
        await File.WriteAllTextAsync(junk, "this is not a tar");

        var r = await d.OrchAsync("load", "-i", junk);

        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Error response from daemon: ", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(d.DataRoot, "blobs", "ingest")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(d.DataRoot, "snapshots")));
    }
}
