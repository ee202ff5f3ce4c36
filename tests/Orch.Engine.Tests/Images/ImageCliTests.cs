using System.Text.RegularExpressions;
using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>End to end through the real CLI against a real orchd: what a Docker user would type and see.</summary>
public sealed partial class ImageCliTests
{
    [GeneratedRegex(@"^busybox +latest +([0-9a-f]{12}) +(Less than a second|\d+ seconds?) ago +1\.\d\dMB$")]
    private static partial Regex BusyboxRow();

    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string[] Snapshots(TestDaemon d) => Directory.GetDirectories(Path.Combine(d.DataRoot, "snapshots")).Select(Path.GetFileName).ToArray()!;

    [Fact]
    public async Task Busybox_ImportListRemove_EndToEnd()
    {
        await using var d = await TestDaemon.StartAsync();
        // busybox.sh takes ~1.2 s on an idle machine; not asserted here (tests run in parallel on shared cores).
        var id = await TestImages.BusyboxAsync(d);

        var ls = await d.OrchAsync("images");
        Assert.True(ls.ExitCode == 0, ls.ToString());
        var lines = Lines(ls.Stdout);
        Assert.Equal("REPOSITORY   TAG       IMAGE ID       CREATED        SIZE", Regex.Replace(lines[0], "CREATED +SIZE", "CREATED        SIZE"));
        var row = BusyboxRow().Match(lines[1]);
        Assert.True(row.Success, ls.Stdout);
        Assert.Equal(id[7..19], row.Groups[1].Value);
        Assert.Equal(id[7..19], (await d.OrchAsync("images", "-q")).Stdout.Trim());
        Assert.Equal(id[7..19], (await d.OrchAsync("image", "ls", "-q", "busybox")).Stdout.Trim());
        Assert.Equal("", (await d.OrchAsync("images", "-q", "nosuch")).Stdout);

        var inspect = await d.OrchAsync("image", "inspect", "busybox");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.StartsWith("[\n    {\n        \"Id\": \"" + id + "\"", inspect.Stdout);
        Assert.Contains("\"Cmd\": [\n                \"sh\"\n            ]", inspect.Stdout);

        var rmi = await d.OrchAsync("rmi", "busybox");
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        var rmiLines = Lines(rmi.Stdout);
        Assert.Equal("Untagged: busybox:latest", rmiLines[0]);
        Assert.Equal("Deleted: " + id, rmiLines[1]);
        Assert.Single(Lines((await d.OrchAsync("images")).Stdout));
        Assert.Empty(Snapshots(d));
    }

    [Fact]
    public async Task TwoImagesSharingTheBaseLayer_StoreItOnce_ThatStaysUntilTheLastGoes()
    {
        await using var d = await TestDaemon.StartAsync();
        var a = await TestImages.BusyboxAsync(d, "busybox:latest");
        var b = await TestImages.BusyboxAsync(d, "localhost:5000/team/box:v2");
        Assert.NotEqual(a, b);
        var snapshot = Assert.Single(Snapshots(d));
        var before = await ImageStoreTests.TreeAsync(Path.Combine(d.DataRoot, "snapshots", snapshot, "fs"));

        var ls = await d.OrchAsync("images");
        Assert.Contains("localhost:5000/team/box   v2  ", ls.Stdout);

        Assert.Equal(0, (await d.OrchAsync("rmi", "busybox")).ExitCode);
        Assert.Single(Snapshots(d));
        Assert.Equal(before, await ImageStoreTests.TreeAsync(Path.Combine(d.DataRoot, "snapshots", snapshot, "fs")));
        var last = await d.OrchAsync("rmi", "localhost:5000/team/box:v2");
        Assert.Contains("Deleted: sha256:" + snapshot, last.Stdout);
        Assert.Empty(Snapshots(d));
    }

    [Fact]
    public async Task MaliciousTarball_IsRefusedNamingTheEntry_AndLeavesNothing()
    {
        await using var d = await TestDaemon.StartAsync();
        var target = "/tmp/orch-escape-" + Guid.NewGuid().ToString("N");
        var entry = "../../../../../../../.." + target;
        var tar = new LayerTar().Dir("bin/").File("bin/ok", "fine").File(entry, "pwned").WriteTo(Path.Combine(d.Root, "evil.tar"));

        var r = await d.OrchAsync("import", tar, "evil");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"Error response from daemon: layer entry \"{entry}\": path climbs out of the layer root", r.Stderr.Trim());
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(d.DataRoot, "snapshots")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(d.DataRoot, "blobs", "sha256")));
        Assert.Single(Lines((await d.OrchAsync("images")).Stdout));
    }

    [Fact]
    public async Task Import_FromStdinGzip_AndUntagged_PrintId()
    {
        await using var d = await TestDaemon.StartAsync();
        var tar = new LayerTar().Dir("etc/").File("etc/hostname", "x").WriteTo(Path.Combine(d.Root, "root.tar"));
        var gz = await ProcessRunner.ShAsync($"gzip -c '{tar}' > '{tar}.gz'");
        Assert.Equal(0, gz.ExitCode);

        var stdin = await ProcessRunner.ShAsync($"'{Binaries.Orch}' -H unix://{d.Socket} import - mine:gz < '{tar}.gz'");
        Assert.True(stdin.ExitCode == 0, stdin.ToString());
        Assert.Matches("^sha256:[0-9a-f]{64}$", stdin.Stdout.Trim());

        var untagged = await d.OrchAsync("import", tar);
        Assert.True(untagged.ExitCode == 0, untagged.ToString());
        var ls = Lines((await d.OrchAsync("images")).Stdout);
        Assert.Equal(3, ls.Length);
        Assert.StartsWith("<none>       <none>    " + untagged.Stdout.Trim()[7..19], ls[1]);
        Assert.StartsWith("mine         gz        " + stdin.Stdout.Trim()[7..19], ls[2]);
        Assert.Single(Snapshots(d)); // the same tar compressed or not has one diff ID
    }

    [Theory]
    [InlineData("Busybox", "Error response from daemon: invalid reference format: repository name (library/Busybox) must be lowercase")]
    [InlineData("busybox:", "Error response from daemon: invalid reference format: empty tag in \"busybox:\"")]
    [InlineData("busybox@sha256:1234", "Error response from daemon: invalid reference format: invalid digest \"sha256:1234\" (expected sha256:<64 lowercase hex digits>)")]
    public async Task Import_BadReference_OneLineError_NoState(string reference, string expected)
    {
        await using var d = await TestDaemon.StartAsync();
        var tar = new LayerTar().File("f", "x").WriteTo(Path.Combine(d.Root, "f.tar"));

        var r = await d.OrchAsync("import", tar, reference);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal(expected, r.Stderr.Trim());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(d.DataRoot, "blobs", "sha256")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(d.DataRoot, "snapshots")));
    }

    [Fact]
    public async Task Errors_ReadAsDocker()
    {
        await using var d = await TestDaemon.StartAsync();
        var missing = await d.OrchAsync("import", "/nonexistent/rootfs.tar");
        Assert.Equal((1, "open /nonexistent/rootfs.tar: no such file or directory"), (missing.ExitCode, missing.Stderr.Trim()));

        var rmi = await d.OrchAsync("rmi", "nosuch");
        Assert.Equal((1, "Error response from daemon: No such image: nosuch:latest"), (rmi.ExitCode, rmi.Stderr.Trim()));

        var inspect = await d.OrchAsync("image", "inspect", "nosuch");
        Assert.Equal((1, "[]", "Error: No such image: nosuch:latest"), (inspect.ExitCode, inspect.Stdout.Trim(), inspect.Stderr.Trim()));

        var tag = await d.OrchAsync("tag", "nosuch", "x");
        Assert.Equal((1, "Error response from daemon: No such image: nosuch:latest"), (tag.ExitCode, tag.Stderr.Trim()));

        var usage = await d.OrchAsync("rmi");
        Assert.Equal(125, usage.ExitCode);
        Assert.Contains("\"orch rmi\" requires at least 1 argument.", usage.Stderr);
    }

    [Fact]
    public async Task TagThenRmiById_NeedsForce_AndImagesSurviveARestart()
    {
        await using var d = await TestDaemon.StartAsync();
        var id = await TestImages.BusyboxAsync(d);
        Assert.Equal(0, (await d.OrchAsync("tag", "busybox", "mybox:1")).ExitCode);

        await d.KillAsync();
        await d.StartProcessAsync();
        var ls = await d.OrchAsync("images");
        Assert.Contains("mybox        1 ", ls.Stdout);
        Assert.Contains("busybox      latest ", ls.Stdout);

        var refused = await d.OrchAsync("rmi", id[7..19]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"Error response from daemon: conflict: unable to delete {id[7..19]} (must be forced) - image is referenced in multiple repositories", refused.Stderr.Trim());

        var forced = await d.OrchAsync("rmi", "-f", id[7..19]);
        Assert.Equal(0, forced.ExitCode);
        Assert.Equal(["Untagged: busybox:latest", "Untagged: mybox:1", "Deleted: " + id], Lines(forced.Stdout).Take(3));

        var history = await d.OrchAsync("history", "-q", "nosuch");
        Assert.Equal(1, history.ExitCode);
    }

    [Fact]
    public async Task ImagePrune_RemovesDanglingImagesOnly_AndAllWithDashA()
    {
        await using var d = await TestDaemon.StartAsync();
        var tar = new LayerTar().File("f", "dangling").WriteTo(Path.Combine(d.Root, "f.tar"));
        var dangling = (await d.OrchAsync("import", tar)).Stdout.Trim();
        var named = await TestImages.BusyboxAsync(d);

        var prune = await d.OrchAsync("image", "prune", "-f");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Equal(["Deleted Images:", "deleted: " + dangling], Lines(prune.Stdout).Take(2));
        Assert.EndsWith("Total reclaimed space: 8B", prune.Stdout.Trim());
        Assert.Contains(" " + named[7..19] + " ", (await d.OrchAsync("images")).Stdout);

        var pruneAll = await d.OrchAsync("image", "prune", "-a", "-f");
        Assert.Equal(["Deleted Images:", "untagged: busybox:latest", "deleted: " + named], Lines(pruneAll.Stdout).Take(3));
        Assert.EndsWith("Total reclaimed space: 1.98MB", pruneAll.Stdout.Trim());
        Assert.Empty(Snapshots(d));
    }
}
