using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>Named and anonymous volumes as the runtime mounts them: data outlives the container.</summary>
public sealed class VolumeMountTests(RuntimeFixture f) : IClassFixture<RuntimeFixture>
{
    private TestDaemon D => f.Daemon;

    [Fact]
    public async Task NamedVolume_KeepsItsDataAfterTheContainerIsRemoved_AndIsRefusedWhileUsed()
    {
        CliAssert.Ok(await D.OrchAsync("run", "--rm", "--network", "none", "-v", "rt-data:/data", BusyboxImage.Name, "sh", "-c", "echo kept > /data/file"));
        var id = CliAssert.Ok(await D.OrchAsync("create", "--network", "none", "-v", "rt-data:/data:ro", BusyboxImage.Name, "sh", "-c", "cat /data/file; echo x > /data/other")).Stdout.Trim();
        Assert.NotEqual(0, (await D.OrchAsync("volume", "rm", "rt-data")).ExitCode);
        CliAssert.Ok(await D.OrchAsync("start", id));
        CliAssert.Ok(await D.OrchAsync("wait", id));
        var logs = await D.OrchAsync("logs", id);
        Assert.Equal("kept\n", logs.Stdout);
        Assert.Contains("Read-only file system", logs.Stderr);
        CliAssert.Ok(await D.OrchAsync("rm", id));
        CliAssert.Ok(await D.OrchAsync("volume", "rm", "rt-data"));
    }

    [Fact]
    public async Task AnonymousVolume_GoesWithRmV()
    {
        var id = CliAssert.Ok(await D.OrchAsync("run", "-d", "--network", "none", "-v", "/scratch", BusyboxImage.Name, "sh", "-c", "echo a > /scratch/f")).Stdout.Trim();
        CliAssert.Ok(await D.OrchAsync("wait", id));
        var before = CliAssert.Ok(await D.OrchAsync("volume", "ls", "-q")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(before);
        CliAssert.Ok(await D.OrchAsync("rm", "-v", id));
        var after = CliAssert.Ok(await D.OrchAsync("volume", "ls", "-q")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(before.Length - 1, after.Length);
    }
}
