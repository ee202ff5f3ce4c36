using Orch.Engine.Registry;
using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>Per-layer progress of pull and push: throttled on the daemon side, drawn as docker draws it.</summary>
public sealed class ProgressTests
{
    /// <summary>A clock that only moves when told to.</summary>
    private sealed class ManualTime : TimeProvider
    {
        public long Now { get; set; }
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Now;
    }

    [Fact]
    public async Task ProgressStream_ReportsTheFirstReadAtOnce_ThenAtMostOncePerInterval_WithTheRunningTotal()
    {
        var time = new ManualTime();
        var reports = new List<long>();
        var source = new MemoryStream(new byte[100 * 1000]);
        await using var stream = new ProgressStream(source, n =>
        {
            reports.Add(n);
            return ValueTask.CompletedTask;
        }, TimeSpan.FromMilliseconds(100), time);

        var buffer = new byte[1000];
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(1000, await stream.ReadAsync(buffer));
            time.Now += TimeSpan.FromMilliseconds(10).Ticks;
        }

        // Reads at 0, 10, …, 990 ms: reports at 0, 100, …, 900 ms, each with the bytes read so far.
        Assert.Equal(Enumerable.Range(0, 10).Select(k => (k * 10 + 1) * 1000L), reports);
        Assert.Equal(0, await stream.ReadAsync(buffer));
        Assert.Equal(10, reports.Count);
    }

    [Fact]
    public async Task PullAndPush_OnATerminal_RedrawLayerLinesInPlace_WithAProgressBar()
    {
        await using var registry = await TestRegistry.StartAsync();
        await using var d = await TestDaemon.StartAsync();
        var name = $"{registry.Host}/progress/box:v1";
        var random = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 << 20));
        var tar = new LayerTar().File("noise", random).WriteTo(Path.Combine(d.Root, "noise.tar"));
        var imported = await d.OrchAsync("import", tar, name);
        Assert.True(imported.ExitCode == 0, imported.ToString());

        var push = await OnTerminalAsync(d, "push " + name);
        Assert.Contains("Preparing", push);
        Assert.Matches(@"\x1b\[1A\x1b\[2K\r[0-9a-f]{12}: Pushing \[=*>\s*\] +[0-9.]+[kM]?B/[0-9.]+MB", push);
        Assert.Matches(@"\x1b\[1A\x1b\[2K\r[0-9a-f]{12}: Pushed", push);

        // As docker: the last tag of the repository takes the digest reference the push recorded with it.
        var rmi = await d.OrchAsync("rmi", name);
        Assert.True(rmi.ExitCode == 0, rmi.ToString());
        Assert.StartsWith($"Untagged: {name}\nUntagged: {registry.Host}/progress/box@sha256:", rmi.Stdout);
        Assert.Contains("Deleted: sha256:", rmi.Stdout);
        var pull = await OnTerminalAsync(d, "pull " + name);
        var layer = System.Text.RegularExpressions.Regex.Match(pull, @"([0-9a-f]{12}): Pulling fs layer").Groups[1].Value;
        Assert.True(layer.Length == 12, pull);
        Assert.Contains($"\x1b[1A\x1b[2K\r{layer}: Downloading [", pull);
        Assert.Contains($"\x1b[1A\x1b[2K\r{layer}: Pull complete", pull);
        Assert.Contains("Status: Downloaded newer image for " + name, pull);

        // Not a terminal: one line per status, no bars, no escapes. -q: only the name.
        Assert.Equal(0, (await d.OrchAsync("rmi", name)).ExitCode);
        var plain = await d.OrchAsync("pull", name);
        Assert.DoesNotContain("\x1b", plain.Stdout);
        Assert.DoesNotContain("Downloading", plain.Stdout);
        Assert.Contains($"{layer}: Download complete\n{layer}: Pull complete\n", plain.Stdout);
        Assert.Equal(0, (await d.OrchAsync("rmi", name)).ExitCode);
        Assert.Equal(name + "\n", (await d.OrchAsync("pull", "-q", name)).Stdout);
    }

    /// <summary>Runs the CLI on a pseudo-terminal 200 columns wide (script(1)), returning what it drew.</summary>
    private static async Task<string> OnTerminalAsync(TestDaemon d, string command)
    {
        var r = await ProcessRunner.RunAsync("script", ["-q", "-e", "-c", $"stty cols 200 rows 50; '{Binaries.Orch}' -H unix://{d.Socket} {command}", "/dev/null"], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
