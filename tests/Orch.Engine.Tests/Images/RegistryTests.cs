using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>Pull and push against a real registry (Debian's docker-registry) and real peers (skopeo, umoci).</summary>
public sealed class RegistryTests
{
    private static string[] Lines(string s) => s.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static async Task<CommandResult> Ok(Task<CommandResult> run)
    {
        var r = await run;
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [Fact]
    public async Task Push_ThenPullOnAnotherDataRoot_GivesTheSameDigest_AndSkopeoAgrees()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var a = await TestDaemon.StartAsync();
        await using var b = await TestDaemon.StartAsync();
        var name = $"{registry.Host}/team/box:v1";
        var id = await TestImages.BusyboxAsync(a, name);

        var push = await Ok(a.OrchAsync("push", name));
        var pushed = Lines(push.Stdout);
        Assert.Equal($"The push refers to repository [{registry.Host}/team/box]", pushed[0]);
        Assert.EndsWith(": Pushed", pushed[2]);
        var last = pushed[^1].Split(' ');
        Assert.Equal(("v1:", "digest:", "size:"), (last[0], last[1], last[3]));
        var digest = last[2];
        Assert.Contains(": Layer already exists", (await Ok(a.OrchAsync("push", name))).Stdout);

        var pull = await Ok(b.OrchAsync("pull", name));
        Assert.Equal(
            [$"v1: Pulling from {registry.Host}/team/box", $"{pushed[1][..12]}: Pulling fs layer", $"{pushed[1][..12]}: Verifying Checksum",
             $"{pushed[1][..12]}: Download complete", $"{pushed[1][..12]}: Pull complete",
             "Digest: " + digest, $"Status: Downloaded newer image for {name}", name],
            Lines(pull.Stdout));
        var inspect = JsonDocument.Parse((await Ok(b.OrchAsync("image", "inspect", name))).Stdout).RootElement[0];
        Assert.Equal(id, inspect.GetProperty("Id").GetString());
        Assert.Equal($"{registry.Host}/team/box@{digest}", inspect.GetProperty("RepoDigests")[0].GetString());
        Assert.Contains("Status: Image is up to date for " + name, (await Ok(b.OrchAsync("pull", name))).Stdout);
        Assert.Equal(id, JsonDocument.Parse((await Ok(b.OrchAsync("image", "inspect", $"{registry.Host}/team/box@{digest}"))).Stdout).RootElement[0].GetProperty("Id").GetString());

        var skopeo = await ProcessRunner.RunAsync("skopeo", ["inspect", "--tls-verify=false", "docker://" + name]);
        Assert.True(skopeo.ExitCode == 0, skopeo.ToString());
        var s = JsonDocument.Parse(skopeo.Stdout).RootElement;
        Assert.Equal(digest, s.GetProperty("Digest").GetString());
        var config = await ProcessRunner.RunAsync("skopeo", ["inspect", "--config", "--raw", "--tls-verify=false", "docker://" + name]);
        Assert.Equal(id, Orch.Engine.Images.Digest.Of(System.Text.Encoding.UTF8.GetBytes(config.Stdout)));
    }

    [Fact]
    public async Task UmociBuiltThreeLayerImage_OciAndDocker_PulledByOrch_MatchesUmociUnpack()
    {
        Requirements.Root();
        await using var registry = await TestRegistry.StartAsync();
        await using var d = await TestDaemon.StartAsync();
        var work = Path.Combine(d.Root, "umoci");
        Directory.CreateDirectory(work);
        // Layer 1 creates files, a symlink and a directory; layer 2 deletes a file and replaces the directory
        // (an opaque dir in umoci's diff); layer 3 re-creates the deleted file with another mode.
        var script = $"""
            set -e
            cd '{work}'
            umoci init --layout lay
            umoci new --image lay:latest
            umoci unpack --image lay:latest b >/dev/null
            mkdir -p b/rootfs/d b/rootfs/keep
            echo a > b/rootfs/a; echo o > b/rootfs/d/old; echo k > b/rootfs/keep/k; ln -s a b/rootfs/link
            chown 1000:1000 b/rootfs/keep/k; chmod 4755 b/rootfs/keep/k
            umoci repack --image lay:latest b; rm -rf b
            umoci unpack --image lay:latest b >/dev/null
            rm b/rootfs/a; rm -r b/rootfs/d; mkdir b/rootfs/d; echo n > b/rootfs/d/new
            umoci repack --image lay:latest b; rm -rf b
            umoci unpack --image lay:latest b >/dev/null
            echo again > b/rootfs/a; chmod 0600 b/rootfs/a
            umoci repack --image lay:latest b; rm -rf b
            umoci unpack --image lay:latest ref >/dev/null
            skopeo copy -q --dest-tls-verify=false oci:lay:latest docker://{registry.Host}/umoci:oci
            skopeo copy -q --format v2s2 --dest-tls-verify=false oci:lay:latest docker://{registry.Host}/umoci:v2s2
            """;
        var built = await ProcessRunner.ShAsync(script, TimeSpan.FromSeconds(120));
        Assert.True(built.ExitCode == 0, built.ToString());

        foreach (var tag in new[] { "oci", "v2s2" })
        {
            var name = $"{registry.Host}/umoci:{tag}";
            await Ok(d.OrchAsync("pull", name));
            var inspect = JsonDocument.Parse((await Ok(d.OrchAsync("image", "inspect", name))).Stdout).RootElement[0];
            var lowers = inspect.GetProperty("GraphDriver").GetProperty("Data").GetProperty("LowerDir").GetString()!;
            Assert.Equal(3, lowers.Split(':').Length);
            var mnt = Path.Combine(work, "mnt-" + tag);
            Directory.CreateDirectory(mnt);
            await Ok(ProcessRunner.RunAsync("mount", ["-t", "overlay", "overlay", "-o", "ro,lowerdir=" + lowers, mnt]));
            try
            {
                Assert.Equal(await TreeAsync(Path.Combine(work, "ref", "rootfs")), await TreeAsync(mnt));
            }
            finally
            {
                await Ok(ProcessRunner.RunAsync("umount", [mnt]));
            }
        }
        Assert.Equal(3, Directory.GetDirectories(Path.Combine(d.DataRoot, "snapshots")).Length); // both formats share the layers
    }

    [Fact]
    public async Task CorruptedLayerFromTheRegistry_IsDetected_AndNothingIsKept()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var a = await TestDaemon.StartAsync();
        await using var b = await TestDaemon.StartAsync();
        var id = await TestImages.BusyboxAsync(a, $"{registry.Host}/box:v1");
        await Ok(a.OrchAsync("push", $"{registry.Host}/box:v1"));
        await using var proxy = new CorruptingProxy(registry.Host);
        proxy.Spare.Add(id);

        var pull = await b.OrchAsync("pull", $"127.0.0.1:{proxy.Port}/box:v1");

        Assert.Equal(1, pull.ExitCode);
        Assert.StartsWith("Error response from daemon: digest mismatch: expected sha256:", pull.Stderr.Trim());
        Assert.Equal(1, proxy.Corrupted);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(b.DataRoot, "snapshots")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(b.DataRoot, "blobs", "sha256")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(b.DataRoot, "blobs", "ingest")));
        Assert.Single(Lines((await b.OrchAsync("images")).Stdout));

        // The same pull straight from the registry then completes.
        await Ok(b.OrchAsync("pull", $"{registry.Host}/box:v1"));
    }

    [Fact]
    public async Task PullUnknownTag_AndPushUnknownImage_FailWithDockersWords()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var d = await TestDaemon.StartAsync();

        var pull = await d.OrchAsync("pull", $"{registry.Host}/nothing:here");
        Assert.Equal(1, pull.ExitCode);
        Assert.Contains($"manifest for nothing:here not found: manifest unknown", pull.Stderr);

        var push = await d.OrchAsync("push", $"{registry.Host}/nothing:here");
        Assert.Equal(1, push.ExitCode);
        Assert.Equal($"Error response from daemon: An image does not exist locally with the tag: {registry.Host}/nothing", push.Stderr.Trim());
    }

    [Fact]
    public async Task BasicAuthRegistry_PushNeedsLogin_LoginKeepsCredentialsInA0600File()
    {
        await using var registry = await TestRegistry.StartAsync(("alice", "s3cret"));
        await using var d = await TestDaemon.StartAsync();
        var name = $"{registry.Host}/private/box:v1";
        await TestImages.BusyboxAsync(d, name);

        var refused = await d.OrchAsync("push", name);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"Error response from daemon: unauthorized: authentication required for {registry.Host} (orch login {registry.Host})", refused.Stderr.Trim());

        var wrong = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + d.Socket, "login", "-u", "alice", "--password-stdin", registry.Host], stdin: "nope\n");
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("unauthorized", wrong.Stderr);

        var login = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + d.Socket, "login", "-u", "alice", "--password-stdin", registry.Host], stdin: "s3cret\n");
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Equal("Login Succeeded", login.Stdout.Trim());
        var file = Path.Combine(d.DataRoot, "registry-auth.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));

        await Ok(d.OrchAsync("push", name));
        await Ok(d.OrchAsync("rmi", name));
        await Ok(d.OrchAsync("pull", name));
        // Several layers go up in parallel and meet the 401 together: all of them must get through.
        var layered = $"{registry.Host}/private/layers:v1";
        await TestImages.LayeredAsync(d, name, layered);
        await Ok(d.OrchAsync("push", layered));
        await Ok(d.OrchAsync("rmi", layered));
        await Ok(d.OrchAsync("pull", layered));

        Assert.Equal($"Removing login credentials for {registry.Host}", (await Ok(d.OrchAsync("logout", registry.Host))).Stdout.Trim());
        Assert.Equal(1, (await d.OrchAsync("pull", name)).ExitCode);
    }

    /// <summary>Paths, types, modes, owners, symlink targets and file contents (directory sizes and mtimes differ between overlay and a plain tree).</summary>
    private static async Task<string> TreeAsync(string dir)
    {
        var r = await ProcessRunner.ShAsync($"cd '{dir}' && find . -printf '%p %y %m %U:%G %l\\n' | sort && find . -type f -exec sha256sum {{}} + | sort");
        Assert.Equal(0, r.ExitCode);
        return r.Stdout;
    }
}
