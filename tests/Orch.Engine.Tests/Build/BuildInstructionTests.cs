using System.Text.Json;
using Orch.Engine.Tests.Images;
using Orch.Testing;

namespace Orch.Engine.Tests.Build;

/// <summary>Instructions behave as the Dockerfile reference documents: one row, one Dockerfile, one `orch run`.</summary>
public sealed class BuildInstructionTests
{
    /// <summary>(name, Dockerfile body after FROM busybox, build args, run args, expected stdout).</summary>
    private static readonly (string Name, string Body, string[] BuildArgs, string[] RunArgs, string Expected)[] Rows =
    [
        ("env-arg-substitution", "ARG V=1\nENV A=$V B=\"${V:-x} two\" C=${NOPE:-dflt} D=${V:+set}\nCMD echo $A/$B/$C/$D", [], [], "1/1 two/dflt/set\n"),
        ("build-arg-overrides-default", "ARG V=1\nENV A=$V\nCMD echo $A", ["--build-arg", "V=2"], [], "2\n"),
        ("arg-visible-to-run-not-image", "ARG TOKEN=abc\nRUN echo $TOKEN > /t\nCMD cat /t; echo \"[$TOKEN]\"", [], [], "abc\n[]\n"),
        ("global-arg-in-from", "ARG V\nCMD echo \"[$V]\"", [], [], "[]\n"),
        ("env-legacy-form", "ENV GREETING hello world\nCMD echo $GREETING", [], [], "hello world\n"),
        ("workdir-created-relative", "WORKDIR /a/b\nWORKDIR c\nRUN pwd > /pwd\nCMD cat /pwd; pwd; stat -c %F /a/b/c", [], [], "/a/b/c\n/a/b/c\ndirectory\n"),
        ("workdir-env", "ENV DIR=/srv\nWORKDIR $DIR/app\nCMD pwd", [], [], "/srv/app\n"),
        ("user-owns-run-files", "RUN echo app:x:1234:1234::/home/app:/bin/sh >> /etc/passwd && echo app:x:1234: >> /etc/group\nUSER app\nRUN touch /tmp/made-by-app\nCMD stat -c '%u %U' /tmp/made-by-app; id -un", [], [], "1234 app\napp\n"),
        ("cmd-exec", "CMD [\"echo\", \"hi\"]", [], [], "hi\n"),
        ("cmd-replaced-by-args", "CMD [\"echo\", \"hi\"]", [], ["echo", "bye"], "bye\n"),
        ("cmd-shell-form", "CMD echo $HOME", [], [], "/root\n"),
        ("entrypoint-exec-plus-cmd", "ENTRYPOINT [\"echo\", \"a\"]\nCMD [\"b\"]", [], [], "a b\n"),
        ("entrypoint-exec-args-replace-cmd", "ENTRYPOINT [\"echo\", \"a\"]\nCMD [\"b\"]", [], ["c"], "a c\n"),
        ("entrypoint-shell-ignores-cmd", "ENTRYPOINT echo shell-form\nCMD [\"ignored\"]", [], ["also-ignored"], "shell-form\n"),
        ("entrypoint-resets-inherited-cmd", "ENTRYPOINT [\"echo\"]", [], [], "\n"),
        ("cmd-before-entrypoint-kept", "CMD [\"kept\"]\nENTRYPOINT [\"echo\"]", [], [], "kept\n"),
        ("shell-instruction", "SHELL [\"/bin/sh\", \"-c\", \"-e\"]\nRUN echo via-shell > /s\nCMD cat /s", [], [], "via-shell\n"),
    ];

    [Fact]
    public async Task Instructions_BehaveAsDockerDocuments()
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
        var failures = new List<string>();
        foreach (var (name, body, buildArgs, runArgs, expected) in Rows)
        {
            var ctx = BuildKit.Context(tmp, name, ("Dockerfile", "FROM busybox\n" + body + "\n"));
            var build = await BuildKit.BuildAsync(d, ctx, [.. buildArgs, "-t", name]);
            if (build.ExitCode != 0)
            {
                failures.Add($"{name}: build failed\n{build}");
                continue;
            }
            var run = await d.OrchAsync(["run", "--rm", name, .. runArgs]);
            if (run.Stdout != expected)
            {
                failures.Add($"{name}: expected {JsonSerializer.Serialize(expected)}, got {JsonSerializer.Serialize(run.Stdout)} ({run.Stderr.Trim()})");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task ImageConfig_RecordsMetadataAndHistoryAsDocker()
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
        var ctx = BuildKit.Context(tmp, "ctx",
            ("Dockerfile", """
                # escape=`
                FROM busybox
                MAINTAINER someone@example.com
                LABEL org.example.name="demo app" version=1
                EXPOSE 80 53/udp 8000-8001
                VOLUME ["/data"]
                STOPSIGNAL SIGINT
                HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD wget -q -O- http://localhost/ || exit 1
                ONBUILD RUN echo child-build
                USER www-data
                ENTRYPOINT ["httpd", "-f"]
                CMD ["-p", "80"]
                """),
            ("a.tar.src/dir/x", "x-content\n"));
        var r = await BuildKit.BuildOkAsync(d, ctx, "-t", "meta", "--label", "built.by=test");
        var inspect = await d.OrchAsync("image", "inspect", "meta");
        using var doc = JsonDocument.Parse(inspect.Stdout);
        var img = doc.RootElement[0];
        var c = img.GetProperty("Config");
        Assert.Equal("someone@example.com", img.GetProperty("Author").GetString());
        Assert.Equal("demo app", c.GetProperty("Labels").GetProperty("org.example.name").GetString());
        Assert.Equal("1", c.GetProperty("Labels").GetProperty("version").GetString());
        Assert.Equal("test", c.GetProperty("Labels").GetProperty("built.by").GetString());
        Assert.Equal(["53/udp", "80/tcp", "8000/tcp", "8001/tcp"], c.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["/data"], c.GetProperty("Volumes").EnumerateObject().Select(p => p.Name));
        Assert.Equal("SIGINT", c.GetProperty("StopSignal").GetString());
        Assert.Equal("www-data", c.GetProperty("User").GetString());
        Assert.Equal(["httpd", "-f"], c.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["-p", "80"], c.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        var hc = c.GetProperty("Healthcheck");
        Assert.Equal(["CMD-SHELL", "wget -q -O- http://localhost/ || exit 1"], hc.GetProperty("Test").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(30_000_000_000, hc.GetProperty("Interval").GetInt64());
        Assert.Equal(3, hc.GetProperty("Retries").GetInt32());
        Assert.Equal(["RUN echo child-build"], c.GetProperty("OnBuild").EnumerateArray().Select(e => e.GetString()));

        var history = await d.OrchAsync("history", "--no-trunc", "meta");
        Assert.True(history.ExitCode == 0, history.ToString());
        Assert.Contains("/bin/sh -c #(nop)  CMD [\"-p\" \"80\"]", history.Stdout);
        Assert.Contains("/bin/sh -c #(nop)  USER www-data", history.Stdout);

        // ONBUILD triggers run in a child build, and are not inherited by the child.
        var child = BuildKit.Context(tmp, "child", ("Dockerfile", "FROM meta\nUSER root\n"));
        var cr = await BuildKit.BuildOkAsync(d, child, "-t", "child");
        Assert.Contains("child-build", cr.Stdout);
        using var childDoc = JsonDocument.Parse((await d.OrchAsync("image", "inspect", "child")).Stdout);
        Assert.False(childDoc.RootElement[0].GetProperty("Config").TryGetProperty("OnBuild", out _));
        _ = r;
    }

    [Fact]
    public async Task CopyAndAdd_WildcardsChownChmodDirectoriesAndTarExtraction()
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
        var ctx = BuildKit.Context(tmp, "ctx",
            ("Dockerfile", """
                FROM busybox
                COPY --chown=33:33 --chmod=640 a*.txt /w/
                COPY dir /copied-dir
                COPY --chown=www-data b.txt /named/b.txt
                ADD archive.tar.gz /x/
                ADD b.txt /added/
                COPY links /links/
                CMD ["sh", "-c", "stat -c '%n %u:%g %a' /w/a1.txt /w/a2.txt /named/b.txt /copied-dir/sub/f /x/top/inner.txt /added/b.txt; cat /x/top/inner.txt; ls /w; readlink /links/abs; readlink /links/rel"]
                """),
            ("a1.txt", "1"), ("a2.txt", "2"), ("b.txt", "b"), ("dir/sub/f", "f"));
        File.SetUnixFileMode(Path.Combine(ctx, "dir/sub/f"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Symlinks are copied as links, also one pointing outside the context (Docker does the same).
        Directory.CreateDirectory(Path.Combine(ctx, "links"));
        File.CreateSymbolicLink(Path.Combine(ctx, "links/abs"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(ctx, "links/rel"), "../b.txt");
        var src = BuildKit.Context(tmp, "tarsrc", ("top/inner.txt", "from-archive\n"));
        var tar = await ProcessRunner.RunAsync("tar", ["-czf", Path.Combine(ctx, "archive.tar.gz"), "-C", src, "top"]);
        Assert.True(tar.ExitCode == 0, tar.ToString());
        await BuildKit.BuildOkAsync(d, ctx, "-t", "copy");
        var run = await d.OrchAsync("run", "--rm", "copy");
        Assert.Equal("""
            /w/a1.txt 33:33 640
            /w/a2.txt 33:33 640
            /named/b.txt 33:33 644
            /copied-dir/sub/f 0:0 700
            /x/top/inner.txt 0:0 644
            /added/b.txt 0:0 644
            from-archive
            a1.txt
            a2.txt
            /etc/passwd
            ../b.txt

            """.Replace("\r", "", StringComparison.Ordinal), run.Stdout);
    }
}
