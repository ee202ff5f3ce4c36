using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>One daemon with the busybox image, shared by the tests of a class (each test removes what it creates).</summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    private TestDaemon? daemon;

    public TestDaemon Daemon => daemon ?? throw new InvalidOperationException("fixture not started");

    public string ImageDir { get; private set; } = "";

    public async Task InitializeAsync()
    {
        daemon = await TestDaemon.StartAsync();
        ImageDir = await BusyboxImage.InstallAsync(daemon);
    }

    public async Task DisposeAsync()
    {
        if (daemon is not null)
        {
            await daemon.DisposeAsync();
        }
    }
}

/// <summary>Assertions on what a user sees from the CLI.</summary>
internal static class CliAssert
{
    public static CommandResult Ok(CommandResult r)
    {
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    public static void Exit(int expected, CommandResult r) => Assert.True(r.ExitCode == expected, $"expected exit {expected}\n{r}");

    /// <summary>A failure as Docker prints it: non-zero exit, one line on stderr naming the problem, nothing on stdout.</summary>
    public static void OneLineError(CommandResult r, string mentions)
    {
        Assert.True(r.ExitCode != 0, r.ToString());
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 1 && lines[0].Contains(mentions, StringComparison.Ordinal), $"expected an error line mentioning '{mentions}'\n{r}");
        Assert.True(lines.Length == 1 || lines[1].StartsWith("See 'orch", StringComparison.Ordinal), $"expected a one-line error\n{r}");
    }
}
