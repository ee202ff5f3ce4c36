using Orch.Engine.Tests.Images;
using Orch.Testing;

namespace Orch.Engine.Tests.Build;

/// <summary>Failures a user must be able to act on: the step, the file and line, the missing name, the exit code.</summary>
public sealed class BuildErrorTests
{
    [Fact]
    public async Task Failures_StopTheBuildWithAClearMessage()
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);

        var failing = BuildKit.Context(tmp, "failing", ("Dockerfile", "FROM busybox\nRUN echo output-before-failure && exit 3\nRUN echo never-runs\n"));
        var r = await BuildKit.BuildAsync(d, failing, "-t", "failing");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("output-before-failure", r.Stdout);
        Assert.DoesNotContain("never-runs\n", r.Stdout.Replace("RUN echo never-runs", "", StringComparison.Ordinal));
        Assert.Contains("The command '/bin/sh -c echo output-before-failure && exit 3' returned a non-zero code: 3", r.Stderr);
        Assert.Equal("", (await d.OrchAsync("images", "-q", "failing")).Stdout);

        var quiet = await BuildKit.BuildAsync(d, failing, "-q");
        Assert.Equal(3, quiet.ExitCode);
        Assert.Equal("", quiet.Stdout);
        Assert.Contains("output-before-failure", quiet.Stderr);

        var unknown = BuildKit.Context(tmp, "unknown", ("Dockerfile", "FROM busybox\n\n# comment\nFROOM x\n"));
        r = await BuildKit.BuildAsync(d, unknown);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Dockerfile:4: unknown instruction: FROOM", r.Stderr);

        var badFlag = BuildKit.Context(tmp, "badflag", ("Dockerfile", "FROM busybox\nCOPY --chwn=1 a /\n"), ("a", "a"));
        r = await BuildKit.BuildAsync(d, badFlag, "-f", Path.Combine(badFlag, "Dockerfile"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Dockerfile:2: COPY: unknown flag: chwn", r.Stderr);

        var missing = BuildKit.Context(tmp, "missing", ("Dockerfile", "FROM busybox\nCOPY present.txt not-there.txt /dst/\n"), ("present.txt", "p"));
        r = await BuildKit.BuildAsync(d, missing);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Dockerfile:2: COPY failed: file not found in build context or excluded by .dockerignore: stat not-there.txt: file does not exist", r.Stderr);

        var url = BuildKit.Context(tmp, "url", ("Dockerfile", "FROM busybox\nADD http://127.0.0.1:1/file.txt /\n"));
        r = await BuildKit.BuildAsync(d, url);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Dockerfile:2: ADD failed: unable to fetch http://127.0.0.1:1/file.txt", r.Stderr);

        var noImage = BuildKit.Context(tmp, "noimage", ("Dockerfile", "FROM 127.0.0.1:1/nosuch:latest\n"));
        r = await BuildKit.BuildAsync(d, noImage);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Dockerfile:1: pull access denied for 127.0.0.1:1/nosuch:latest", r.Stderr);

        // Nothing of the failed builds is left running or mounted.
        var mounts = await File.ReadAllTextAsync("/proc/self/mountinfo");
        Assert.DoesNotContain(Path.Combine(d.ExecRoot, "builder"), mounts);
    }
}
