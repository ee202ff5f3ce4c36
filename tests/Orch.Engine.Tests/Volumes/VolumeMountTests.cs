using Orch.Testing;

namespace Orch.Engine.Tests.Volumes;

/// <summary>Volumes and bind mounts as containers see them, through the real CLI.</summary>
public sealed class VolumeMountTests : IAsyncLifetime
{
    private TestDaemon d = null!;

    public async Task InitializeAsync()
    {
        d = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(d);
    }

    public async Task DisposeAsync() => await d.DisposeAsync();

    [Fact]
    public async Task NamedVolume_KeepsDataAfterContainerRemoved_InUseCannotBeRemoved()
    {
        var write = await d.OrchAsync("run", "--name", "writer", "--network", "none", "-v", "appdata:/data", "busybox",
            "sh", "-c", "echo kept > /data/f");
        Assert.True(write.ExitCode == 0, write.ToString());
        Assert.Equal("appdata\n", (await d.OrchAsync("volume", "ls", "-q")).Stdout);

        // A container (even stopped) refers to it: refused, forced or not, and the data stays.
        var busy = await d.OrchAsync("volume", "rm", "-f", "appdata");
        Assert.Equal(1, busy.ExitCode);
        Assert.Equal("Error response from daemon: remove appdata: volume is in use\n", busy.Stderr);
        var prune = await d.OrchAsync("volume", "prune", "-f");
        Assert.Equal("Total reclaimed space: 0B\n", prune.Stdout);

        Assert.True((await d.OrchAsync("rm", "writer")).ExitCode == 0);
        var read = await d.OrchAsync("run", "--rm", "--network", "none", "-v", "appdata:/data", "busybox", "cat", "/data/f");
        Assert.True(read.ExitCode == 0, read.ToString());
        Assert.Equal("kept\n", read.Stdout);
        Assert.Equal("kept\n", await File.ReadAllTextAsync(Path.Combine(d.DataRoot, "volumes", "appdata", "_data", "f")));

        Assert.Equal("appdata\n", (await d.OrchAsync("volume", "rm", "appdata")).Stdout);
    }

    [Fact]
    public async Task BindMountReadOnly_ContainerCannotWrite_ReadWriteCan()
    {
        var host = Path.Combine(d.Root, "bind-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(host);
        await File.WriteAllTextAsync(Path.Combine(host, "page.html"), "<h1>host</h1>");

        var ro = await d.OrchAsync("run", "--rm", "--network", "none", "-v", host + ":/site:ro", "busybox",
            "sh", "-c", "cat /site/page.html; echo; touch /site/new");
        Assert.NotEqual(0, ro.ExitCode);
        Assert.StartsWith("<h1>host</h1>", ro.Stdout);
        Assert.Contains("Read-only file system", ro.Stderr);
        Assert.False(File.Exists(Path.Combine(host, "new")));

        var rw = await d.OrchAsync("run", "--rm", "--network", "none", "-v", host + ":/site", "busybox",
            "sh", "-c", "echo from-container > /site/new");
        Assert.True(rw.ExitCode == 0, rw.ToString());
        Assert.Equal("from-container\n", await File.ReadAllTextAsync(Path.Combine(host, "new")));
    }

    [Fact]
    public async Task AnonymousVolume_RmWithV_RemovesIt()
    {
        var run = await d.OrchAsync("run", "--name", "anon", "--network", "none", "-v", "/scratch", "busybox", "sh", "-c", "echo x > /scratch/f");
        Assert.True(run.ExitCode == 0, run.ToString());
        var names = (await d.OrchAsync("volume", "ls", "-q")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var anon = Assert.Single(names, n => n.Length == 64);
        Assert.True((await d.OrchAsync("rm", "-v", "anon")).ExitCode == 0);
        Assert.DoesNotContain(anon, (await d.OrchAsync("volume", "ls", "-q")).Stdout);
    }
}
