using Orch.Testing;

namespace Orch.Engine.Tests.Daemon;

public sealed class DaemonTests
{
    [Fact]
    public async Task Version_DaemonRunning_PrintsClientAndServer()
    {
        await using var d = await TestDaemon.StartAsync();
        var r = await d.OrchAsync("version");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Server:", r.Stdout);
        Assert.Contains("Data root:   " + d.DataRoot, r.Stdout);
    }

    [Fact]
    public async Task Version_NoDaemon_SaysCannotConnectAndFails()
    {
        var r = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix:///tmp/orch-no-such-daemon.sock", "version"]);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Cannot connect to the orch daemon at unix:///tmp/orch-no-such-daemon.sock", r.Stderr);
    }

    [Fact]
    public async Task Socket_IsRootOnly()
    {
        await using var d = await TestDaemon.StartAsync();
        var mode = File.GetUnixFileMode(d.Socket);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task Daemon_SigtermStopsCleanly_SocketRemains_RestartWorks()
    {
        await using var d = await TestDaemon.StartAsync();
        await d.StopAsync();
        await d.StartProcessAsync();
        var r = await d.OrchAsync("version");
        Assert.True(r.ExitCode == 0, r.ToString());
    }
}
