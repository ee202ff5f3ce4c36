using Orch.Engine.Tests.Images;
using Orch.Testing;

namespace Orch.Engine.Tests.Build;

/// <summary>The layer cache as a user sees it: which steps print "Using cache", and the resulting image IDs.</summary>
public sealed class BuildCacheTests
{
    private const string RubyShape = """
        FROM busybox
        WORKDIR /app
        COPY deps.txt ./
        RUN cp deps.txt installed.txt && echo installing-deps
        COPY . .
        RUN ls > listing.txt
        CMD ["cat", "installed.txt", "app.rb"]
        """;

    [Fact]
    public async Task RubyStyleShape_EditAppRebuildsFromSecondCopy_EditDepsFromFirst()
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
        var ctx = BuildKit.Context(tmp, "ctx", ("Dockerfile", RubyShape), ("deps.txt", "rack 1.0\n"), ("app.rb", "puts 1\n"));

        var first = await BuildKit.BuildOkAsync(d, ctx, "-t", "app:v1");
        Assert.All(BuildKit.CachedSteps(first.Stdout).Values, Assert.False);
        Assert.Contains("\ninstalling-deps\n", first.Stdout);
        Assert.Contains("Successfully tagged app:v1", first.Stdout);

        var again = await BuildKit.BuildOkAsync(d, ctx, "-t", "app:v1");
        Assert.Equal(new Dictionary<int, bool> { [1] = false, [2] = true, [3] = true, [4] = true, [5] = true, [6] = true, [7] = true }, BuildKit.CachedSteps(again.Stdout));
        Assert.Equal(BuildKit.BuiltId(first.Stdout), BuildKit.BuiltId(again.Stdout));
        Assert.DoesNotContain("\ninstalling-deps\n", again.Stdout);

        BuildKit.Write(ctx, "app.rb", "puts 2\n");
        var app = await BuildKit.BuildOkAsync(d, ctx, "-t", "app:v2");
        Assert.Equal(new Dictionary<int, bool> { [1] = false, [2] = true, [3] = true, [4] = true, [5] = false, [6] = false, [7] = false }, BuildKit.CachedSteps(app.Stdout));
        var run = await d.OrchAsync("run", "--rm", "app:v2");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("rack 1.0\nputs 2\n", run.Stdout);

        BuildKit.Write(ctx, "deps.txt", "rack 2.0\n");
        var deps = await BuildKit.BuildOkAsync(d, ctx, "-t", "app:v3");
        Assert.Equal(new Dictionary<int, bool> { [1] = false, [2] = true, [3] = false, [4] = false, [5] = false, [6] = false, [7] = false }, BuildKit.CachedSteps(deps.Stdout));
        Assert.Contains("\ninstalling-deps\n", deps.Stdout);

        var noCache = await BuildKit.BuildOkAsync(d, ctx, "--no-cache");
        Assert.All(BuildKit.CachedSteps(noCache.Stdout).Values, Assert.False);
    }

    [Fact]
    public async Task Cache_SurvivesDaemonRestart_AndBuilderPruneClearsIt()
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
        var ctx = BuildKit.Context(tmp, "ctx", ("Dockerfile", RubyShape), ("deps.txt", "rack\n"), ("app.rb", "puts 1\n"));
        var first = await BuildKit.BuildOkAsync(d, ctx, "-t", "app");

        await d.StopAsync();
        await d.StartProcessAsync();
        var afterRestart = await BuildKit.BuildOkAsync(d, ctx, "-t", "app");
        Assert.Equal(6, BuildKit.CachedSteps(afterRestart.Stdout).Values.Count(c => c));
        Assert.Equal(BuildKit.BuiltId(first.Stdout), BuildKit.BuiltId(afterRestart.Stdout));

        var prune = await d.OrchAsync("builder", "prune", "-f");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Contains("Total reclaimed space: ", prune.Stdout);
        // The image keeps its layers (only cache-only layers go; see BuildStageTests for those).
        var run = await d.OrchAsync("run", "--rm", "app");
        Assert.True(run.ExitCode == 0, run.ToString());

        var afterPrune = await BuildKit.BuildOkAsync(d, ctx, "-t", "app");
        Assert.All(BuildKit.CachedSteps(afterPrune.Stdout).Values, Assert.False);
    }

    [Fact]
    public async Task DockerIgnore_ExcludesFromCopyAndFromCacheKey()
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
        var ctx = BuildKit.Context(tmp, "ctx",
            ("Dockerfile", "FROM busybox\nCOPY . /ctx/\nCMD [\"find\", \"/ctx\"]\n"),
            (".dockerignore", "# not sent\nsecret.txt\nlogs\n**/*.tmp\n!keep.tmp\n"),
            ("app.txt", "app\n"), ("secret.txt", "s1\n"), ("logs/a.log", "l\n"), ("sub/x.tmp", "t\n"), ("keep.tmp", "k\n"));
        var first = await BuildKit.BuildOkAsync(d, ctx, "-t", "ign");
        var run = await d.OrchAsync("run", "--rm", "ign");
        var files = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["/ctx", "/ctx/.dockerignore", "/ctx/Dockerfile", "/ctx/app.txt", "/ctx/keep.tmp", "/ctx/sub"], files);

        BuildKit.Write(ctx, "secret.txt", "s2 changed\n");
        BuildKit.Write(ctx, "logs/b.log", "new\n");
        var ignoredChange = await BuildKit.BuildOkAsync(d, ctx, "-t", "ign");
        Assert.True(BuildKit.CachedSteps(ignoredChange.Stdout)[2], ignoredChange.Stdout);
        Assert.Equal(BuildKit.BuiltId(first.Stdout), BuildKit.BuiltId(ignoredChange.Stdout));

        BuildKit.Write(ctx, "app.txt", "app changed\n");
        var realChange = await BuildKit.BuildOkAsync(d, ctx, "-t", "ign");
        Assert.False(BuildKit.CachedSteps(realChange.Stdout)[2], realChange.Stdout);
    }
}
