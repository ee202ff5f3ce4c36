using Orch.Engine.Tests.Images;
using Orch.Testing;

namespace Orch.Engine.Tests.Build;

/// <summary>
/// Same Dockerfile, same context, two builders: ours and Debian's `buildah bud`. The image configs (Env, Cmd,
/// Entrypoint, WorkingDir, User, ExposedPorts, Labels) and the file trees (paths, types, modes, owners,
/// content; not mtimes) must match, both unpacked by umoci.
/// </summary>
public sealed class BuildPeerTests
{
    private static readonly string[] Fields = ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Labels"];

    /// <summary>
    /// What buildah's RUN leaves behind and Docker's builder does not (its mount points for /etc/hosts,
    /// /etc/hostname, /etc/resolv.conf and /run): compared as absent.
    /// </summary>
    private static readonly string[] BuildahRunArtifacts = ["etc/hostname", "etc/hosts", "etc/resolv.conf", "run"];

    // Where buildah and Docker differ, the Dockerfiles avoid the difference and we follow Docker: buildah's
    // WORKDIR does not create the directory (a later COPY --chown then creates it with that owner); Docker's
    // classic builder creates it at WORKDIR, owned by root. Hence the RUN right after WORKDIR below.
    public static TheoryData<string> Cases => new() { "metadata-run-copy", "multi-stage", "add-whiteouts" };

    private static (string Path, string Content)[] Files(string name) => name switch
    {
        "metadata-run-copy" =>
        [
            ("Dockerfile", """
                FROM busybox
                ARG VERSION=1.2
                ENV APP_HOME=/srv/app MODE="production mode" VERSION=$VERSION
                WORKDIR $APP_HOME
                RUN mkdir -p data && echo "$VERSION" > data/version && chmod 700 data && ln -s data/version current
                COPY --chown=33:33 --chmod=640 config.txt ./
                COPY --chown=www-data:www-data static/ ./static/
                LABEL org.example.title="peer test" org.example.version=$VERSION
                EXPOSE 8080 53/udp
                USER www-data
                ENTRYPOINT ["/bin/sh", "-c"]
                CMD ["cat data/version"]
                """),
            ("config.txt", "key=value\n"), ("static/index.html", "<h1>hi</h1>\n"), ("static/css/site.css", "body{}\n"),
        ],
        "multi-stage" =>
        [
            ("Dockerfile", """
                FROM busybox AS build
                COPY src /src
                RUN cat /src/a /src/b > /out.txt && echo built >> /out.txt
                FROM busybox
                COPY --from=build /out.txt /usr/share/out.txt
                CMD ["cat", "/usr/share/out.txt"]
                """),
            ("src/a", "a\n"), ("src/b", "b\n"),
        ],
        "add-whiteouts" =>
        [
            ("Dockerfile", """
                FROM busybox
                ADD bundle.tar.gz /opt/
                RUN rm -rf /var/www /bin/vi && mkdir -p /www && rm -rf /www && mkdir /www && echo new > /www/index.html
                RUN rm /opt/bundle/remove-me
                SHELL ["/bin/sh", "-c"]
                CMD sh
                """),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SameDockerfile_MatchesBuildah(string name)
    {
        using var tmp = new TempDir();
        await using var d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
        var ctx = BuildKit.Context(tmp, "ctx", Files(name));
        if (name == "add-whiteouts")
        {
            var src = BuildKit.Context(tmp, "tarsrc", ("bundle/keep.txt", "keep\n"), ("bundle/remove-me", "x\n"), ("bundle/bin/tool", "#!/bin/sh\n"));
            File.SetUnixFileMode(Path.Combine(src, "bundle/bin/tool"), (UnixFileMode)0x1ED);
            var tar = await ProcessRunner.RunAsync("tar", ["-czf", Path.Combine(ctx, "bundle.tar.gz"), "-C", src, "bundle"]);
            Assert.True(tar.ExitCode == 0, tar.ToString());
        }
        var archive = Path.Combine(tmp.Path, "busybox.tar");
        Assert.Equal(0, (await d.OrchAsync("save", "-o", archive, "busybox")).ExitCode);

        await BuildKit.BuildOkAsync(d, ctx, "-t", "ours");
        var oursArchive = Path.Combine(tmp.Path, "ours.tar");
        var save = await d.OrchAsync("save", "-o", oursArchive, "ours");
        Assert.True(save.ExitCode == 0, save.ToString());
        var oursLayout = Path.Combine(tmp.Path, "ours-layout");
        var copy = await ProcessRunner.RunAsync("skopeo", ["copy", "-q", "oci-archive:" + oursArchive, "oci:" + oursLayout + ":t"]);
        Assert.True(copy.ExitCode == 0, copy.ToString());

        var peerLayout = Path.Combine(tmp.Path, "peer-layout");
        await using (var buildah = new BuildahPeer(Path.Combine(tmp.Path, "buildah")))
        {
            await buildah.ImportAsync(archive);
            await buildah.BudAsync(ctx, "peer");
            await buildah.PushOciAsync("peer", peerLayout);
        }

        var ours = await OciTree.LoadAsync(oursLayout, Path.Combine(tmp.Path, "ours-bundle"));
        var peer = await OciTree.LoadAsync(peerLayout, Path.Combine(tmp.Path, "peer-bundle"));
        foreach (var f in Fields)
        {
            Assert.True(ours.Field(f) == peer.Field(f), $"{name}: config {f}: ours {ours.Field(f)}, buildah {peer.Field(f)}");
        }
        foreach (var artifact in BuildahRunArtifacts)
        {
            if (!ours.Files.ContainsKey(artifact) && peer.Files.GetValueOrDefault(artifact) is { } v && (v.StartsWith("f ", StringComparison.Ordinal) || v.StartsWith("d ", StringComparison.Ordinal)))
            {
                peer.Files.Remove(artifact);
            }
        }
        var onlyOurs = ours.Files.Where(kv => peer.Files.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => $"ours:   {kv.Key} {kv.Value}");
        var onlyPeer = peer.Files.Where(kv => ours.Files.GetValueOrDefault(kv.Key) != kv.Value).Select(kv => $"buildah: {kv.Key} {kv.Value}");
        var diff = onlyOurs.Concat(onlyPeer).ToList();
        Assert.True(diff.Count == 0, $"{name}: file trees differ:\n" + string.Join('\n', diff.Take(40)));
        Assert.True(ours.Files.Count > 100, $"busybox's applets are in the tree ({ours.Files.Count} entries)");
    }
}
