using System.Globalization;
using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>`orch system df` and `orch system prune` through the real CLI against a real orchd.</summary>
public sealed class SystemDfTests
{
    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static async Task<CommandResult> Ok(Task<CommandResult> run)
    {
        var r = await run;
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>go-units HumanSize, written out here as the oracle: decimal units, four significant digits.</summary>
    private static string H(double size)
    {
        string[] units = ["B", "kB", "MB", "GB"];
        var i = 0;
        while (size >= 1000 && i < units.Length - 1)
        {
            size /= 1000;
            i++;
        }
        return size.ToString("G4", CultureInfo.InvariantCulture) + units[i];
    }

    private static string Row(string type, long total, long active, long size, long reclaimable, bool percent = true) =>
        $"{type,-16}{total,-10}{active,-10}{H(size),-10}{H(reclaimable)}" + (percent && size > 0 ? $" ({reclaimable * 100 / size}%)" : "");

    private static async Task<long> ImageSizeAsync(TestDaemon d, string name) =>
        JsonDocument.Parse((await Ok(d.OrchAsync("image", "inspect", name))).Stdout).RootElement[0].GetProperty("Size").GetInt64();

    /// <summary>Bytes of every non-directory entry under the container's writable layer, counted by find(1).</summary>
    private static async Task<long> UpperSizeAsync(TestDaemon d, string id)
    {
        var r = await ProcessRunner.ShAsync($"find '{Path.Combine(d.DataRoot, "containers", id, "diff")}' ! -type d -printf '%s\\n' | awk '{{s+=$1}} END {{print s+0}}'");
        Assert.Equal(0, r.ExitCode);
        return long.Parse(r.Stdout.Trim(), CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task TwoImagesSharingABase_StoreItOnce_SystemDfCountsItOnce_AndPruneReclaimsIt()
    {
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d, "busybox:latest");
        await TestImages.BusyboxAsync(d, "localhost:5000/team/box:v2");
        Assert.Single(Directory.GetDirectories(Path.Combine(d.DataRoot, "snapshots")));
        var layer = await ImageSizeAsync(d, "busybox");
        Assert.Equal(layer, await ImageSizeAsync(d, "localhost:5000/team/box:v2"));
        var tar = new LayerTar().File("blob", new string('x', 100_000)).WriteTo(Path.Combine(d.Root, "extra.tar"));
        var dangling = (await Ok(d.OrchAsync("import", tar))).Stdout.Trim();

        var df = Lines((await Ok(d.OrchAsync("system", "df"))).Stdout);
        Assert.Equal(
            ["TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE",
             Row("Images", 3, 0, layer + 100_000, layer + 100_000),
             Row("Containers", 0, 0, 0, 0),
             Row("Local Volumes", 0, 0, 0, 0),
             Row("Build Cache", 0, 0, 0, 0, percent: false)],
            df);

        var verbose = Lines((await Ok(d.OrchAsync("system", "df", "-v"))).Stdout);
        Assert.Equal("Images space usage:", verbose[0]);
        Assert.Equal(["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE", "SHARED", "SIZE", "UNIQUE", "SIZE", "CONTAINERS"], verbose[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        string[] Cells(string repo) => verbose.Single(l => l.StartsWith(repo + " ", StringComparison.Ordinal)).Split("   ", StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim()).ToArray();
        // size, shared size, unique size, containers: the base layer is shared by both busybox images.
        Assert.Equal([H(layer), H(layer), "0B", "0"], Cells("busybox")[^4..]);
        Assert.Equal([H(layer), H(layer), "0B", "0"], Cells("localhost:5000/team/box")[^4..]);
        Assert.Equal([H(100_000), "0B", H(100_000), "0"], Cells("<none>")[^4..]);
        Assert.Contains("Containers space usage:", verbose);
        Assert.Contains("Local Volumes space usage:", verbose);
        Assert.Contains("Build cache usage: 0B", verbose);

        // A stopped container with a file in its writable layer keeps busybox active.
        var run = await Ok(d.OrchAsync("run", "--name", "writer", "--network", "none", "busybox", "sh", "-c", "head -c 5000 /dev/zero > /data"));
        var id = (await Ok(d.OrchAsync("ps", "-aq", "--no-trunc"))).Stdout.Trim();
        _ = run;
        var rw = await UpperSizeAsync(d, id);
        Assert.True(rw >= 5000, $"writable layer holds {rw} bytes");
        await Ok(d.OrchAsync("volume", "create", "scratch"));
        df = Lines((await Ok(d.OrchAsync("system", "df"))).Stdout);
        Assert.Equal(Row("Images", 3, 1, layer + 100_000, 100_000), df[1]);
        Assert.Equal(Row("Containers", 1, 0, rw, rw), df[2]);
        Assert.Equal(Row("Local Volumes", 1, 0, 0, 0), df[3]);

        // Without -a: the stopped container and the dangling image; the volume stays (no --volumes).
        var prune = Lines((await Ok(d.OrchAsync("system", "prune", "-f"))).Stdout);
        Assert.Equal(["Deleted Containers:", id, "Deleted Images:", "deleted: " + dangling], prune.Take(4));
        Assert.Equal("Total reclaimed space: " + H(rw + 100_000), prune[^1]);
        Assert.Contains("scratch", (await Ok(d.OrchAsync("volume", "ls"))).Stdout);

        var pruneAll = Lines((await Ok(d.OrchAsync("system", "prune", "-a", "--volumes", "-f"))).Stdout);
        Assert.Equal(["Deleted Volumes:", "scratch", "Deleted Images:"], pruneAll.Take(3));
        Assert.Contains("untagged: busybox:latest", pruneAll);
        Assert.Contains("untagged: localhost:5000/team/box:v2", pruneAll);
        Assert.Equal("Total reclaimed space: " + H(layer), pruneAll[^1]);
        Assert.Empty(Directory.GetDirectories(Path.Combine(d.DataRoot, "snapshots")));
        Assert.Equal(Row("Images", 0, 0, 0, 0), Lines((await Ok(d.OrchAsync("system", "df"))).Stdout)[1]);
    }

    [Fact]
    public async Task SystemPrune_AsksFirst_AndAnythingButYesKeepsEverything()
    {
        await using var d = await TestDaemon.StartAsync();
        var tar = new LayerTar().File("f", "dangling").WriteTo(Path.Combine(d.Root, "f.tar"));
        var dangling = (await Ok(d.OrchAsync("import", tar))).Stdout.Trim();

        var no = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + d.Socket, "system", "prune", "-a", "--volumes"], stdin: "n\n");

        Assert.Equal(0, no.ExitCode);
        Assert.Equal("""
            WARNING! This will remove:
              - all stopped containers
              - all networks not used by at least one container
              - all volumes not used by at least one container
              - all images without at least one container associated to them
              - all build cache

            Are you sure you want to continue? [y/N] 
            """.TrimEnd('\n'), no.Stdout);
        Assert.Contains(dangling[7..19], (await Ok(d.OrchAsync("images", "-q"))).Stdout);

        var yes = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + d.Socket, "system", "prune"], stdin: "y\n");
        Assert.Equal(0, yes.ExitCode);
        Assert.StartsWith("WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - all dangling build cache\n", yes.Stdout);
        Assert.Contains("deleted: " + dangling, yes.Stdout);
        Assert.EndsWith("Total reclaimed space: 8B", yes.Stdout.Trim());
        Assert.Equal("", (await Ok(d.OrchAsync("images", "-q"))).Stdout);
    }
}
