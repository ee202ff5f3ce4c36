using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orch.Testing;

namespace Orch.Engine.Tests.Daemon;

/// <summary>`orchd --metrics-addr`: the daemon's own memory beside the balancer's counters, and the idle trim.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_ReportTheDaemonsResidentMemoryAndCollections_OtherPathsAre404()
    {
        var port = FreePort();
        await using var d = await TestDaemon.StartAsync("--metrics-addr", $"127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        var rss = Value(text, "process_resident_memory_bytes");
        var vmRss = VmRssBytes(d.Pid);
        // Read a moment apart: the same figure within a quarter.
        Assert.InRange(rss, vmRss * 3 / 4, vmRss * 5 / 4);
        Assert.InRange(Value(text, "dotnet_gc_heap_size_bytes"), 1, rss);
        Assert.Contains("dotnet_gc_collections_total{generation=\"2\"} ", text);
        Assert.Contains("# TYPE process_resident_memory_bytes gauge", text);

        var other = await http.GetAsync($"http://127.0.0.1:{port}/debug");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task IdleTrim_AfterABurstOfImports_CompactsTheHeapOnceTheDaemonIsIdle()
    {
        var port = FreePort();
        await using var d = await TestDaemon.StartAsync("--metrics-addr", $"127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        // A burst: a 32 MiB rootfs streamed through the API, the hashing store and the unpacker.
        var rootfs = Directory.CreateTempSubdirectory("orch-burst-").FullName;
        try
        {
            var data = new byte[32 << 20];
            Random.Shared.NextBytes(data);
            await File.WriteAllBytesAsync(Path.Combine(rootfs, "blob"), data);
            var tar = Path.Combine(rootfs, "..", Path.GetFileName(rootfs) + ".tar");
            var made = await ProcessRunner.RunAsync("tar", ["-C", rootfs, "-cf", tar, "."]);
            Assert.True(made.ExitCode == 0, made.ToString());
            var imported = await d.OrchAsync("import", tar, "burst:1");
            File.Delete(tar);
            Assert.True(imported.ExitCode == 0, imported.ToString());
        }
        finally
        {
            Directory.Delete(rootfs, recursive: true);
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!d.ReadLog().Contains("idle after a burst: heap compacted", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.True(d.ReadLog().Contains("idle after a burst: heap compacted", StringComparison.Ordinal), "no trim within 60 s of the burst:\n" + text + d.ReadLog());
        Assert.True(Value(text, "dotnet_gc_collections_total{generation=\"2\"}") >= 1, text);
        // What is left is what the daemon holds, not the burst's buffers.
        Assert.InRange(Value(text, "dotnet_gc_heap_size_bytes"), 1, 32L << 20);
    }

    private static long Value(string text, string name)
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no {name} in:\n{text}");
        return long.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static long VmRssBytes(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
