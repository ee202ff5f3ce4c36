using Orch.Testing;

namespace Orch.Engine.Tests.Network;

/// <summary>One orchd with busybox:latest (made by deploy/images/busybox.sh), shared by a test class.</summary>
public sealed class BusyboxDaemonFixture : IAsyncLifetime
{
    public const string Image = "busybox:latest";

    private TestDaemon? daemon;

    public TestDaemon Daemon => daemon ?? throw new InvalidOperationException("fixture not started");

    public async Task InitializeAsync()
    {
        daemon = await TestDaemon.StartAsync();
        await TestImages.BusyboxAsync(daemon, Image);
    }

    public async Task DisposeAsync()
    {
        if (daemon is not null)
        {
            await daemon.DisposeAsync();
        }
    }
}
