using System.Text.Json;
using Orch.Engine.Tests.Images;
using Orch.Testing;

namespace Orch.Engine.Tests.Build;

public sealed class BuildStageTests
{
    [Fact]
    public async Task MultiStage_FinalImageHasOnlyTheResult_UnusedStageSkipped()
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        var busybox = await TestImages.BusyboxAsync(d);
        var ctx = BuildKit.Context(tmp, "ctx", ("Dockerfile", """
            FROM busybox AS compile
            RUN mkdir /out && echo part-one > /p1 && echo part-two > /p2 && cat /p1 /p2 > /out/result.txt && echo stage-one-secret > /secret

            FROM busybox AS unused
            RUN echo unused-stage-ran && exit 7

            FROM scratch AS bare
            COPY --from=compile /out/result.txt /result.txt

            FROM busybox
            COPY --from=compile /out/result.txt /result.txt
            CMD ["sh", "-c", "cat /result.txt; ls /secret /p1 2>&1 || true"]
            """));
        var r = await BuildKit.BuildOkAsync(d, ctx, "-t", "multi");
        Assert.DoesNotContain("unused-stage-ran", r.Stdout);
        Assert.DoesNotContain("FROM scratch", r.Stdout);
        Assert.Contains("Step 1/5 : FROM busybox AS compile", r.Stdout);

        var run = await d.OrchAsync("run", "--rm", "multi");
        Assert.Equal("part-one\npart-two\nls: /secret: No such file or directory\nls: /p1: No such file or directory\n", run.Stdout);

        // No trace of stage one: the layers are busybox's plus the one COPY layer.
        var layers = RootFsLayers(await d.OrchAsync("image", "inspect", "multi"));
        var baseLayers = RootFsLayers(await d.OrchAsync("image", "inspect", busybox));
        Assert.Equal(baseLayers.Count + 1, layers.Count);
        Assert.Equal(baseLayers, layers.Take(baseLayers.Count));

        var bare = await BuildKit.BuildOkAsync(d, ctx, "--target", "bare", "-t", "bare");
        Assert.DoesNotContain("unused-stage-ran", bare.Stdout);
        var bareLayers = RootFsLayers(await d.OrchAsync("image", "inspect", "bare"));
        Assert.Single(bareLayers);
        var history = await d.OrchAsync("history", "--no-trunc", "bare");
        Assert.DoesNotContain("stage-one-secret", history.Stdout);

        // Stage one's layer lives only in the cache: builder prune frees it; the images keep theirs.
        var snapshotsBefore = Directory.GetDirectories(Path.Combine(d.DataRoot, "snapshots")).Length;
        var prune = await d.OrchAsync("builder", "prune", "-f");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.DoesNotContain("Total reclaimed space: 0B", prune.Stdout);
        Assert.Equal(snapshotsBefore - 1, Directory.GetDirectories(Path.Combine(d.DataRoot, "snapshots")).Length);
        Assert.Equal(run.Stdout, (await d.OrchAsync("run", "--rm", "multi")).Stdout);
    }

    internal static List<string> RootFsLayers(CommandResult inspect)
    {
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using var doc = JsonDocument.Parse(inspect.Stdout);
        return [.. doc.RootElement[0].GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(e => e.GetString()!)];
    }
}
