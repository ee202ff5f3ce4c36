using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Volumes;

/// <summary>orch volume … through the real CLI and a real orchd, as a user would type it.</summary>
public sealed class VolumeCliTests
{
    [Fact]
    public async Task CreateLsInspectRm_RoundTrip_AsDocker()
    {
        await using var d = await TestDaemon.StartAsync();
        var create = await d.OrchAsync("volume", "create", "--label", "tier=db", "--label", "flag", "data1");
        Assert.True(create.ExitCode == 0, create.ToString());
        Assert.Equal("data1\n", create.Stdout);
        Assert.True((await d.OrchAsync("volume", "create", "data10")).ExitCode == 0);
        Assert.True((await d.OrchAsync("volume", "create", "data2")).ExitCode == 0);

        var ls = await d.OrchAsync("volume", "ls");
        Assert.Equal("DRIVER    VOLUME NAME\nlocal     data1\nlocal     data2\nlocal     data10\n", ls.Stdout);
        Assert.Equal("data1\ndata2\ndata10\n", (await d.OrchAsync("volume", "ls", "-q")).Stdout);

        var inspect = await d.OrchAsync("volume", "inspect", "data1");
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        Assert.StartsWith("[\n    {\n        \"CreatedAt\": \"", inspect.Stdout);
        using (var doc = JsonDocument.Parse(inspect.Stdout))
        {
            var v = doc.RootElement.EnumerateArray().Single();
            Assert.Equal("data1", v.GetProperty("Name").GetString());
            Assert.Equal("local", v.GetProperty("Driver").GetString());
            Assert.Equal("local", v.GetProperty("Scope").GetString());
            Assert.Equal(Path.Combine(d.DataRoot, "volumes", "data1", "_data"), v.GetProperty("Mountpoint").GetString());
            Assert.Equal("db", v.GetProperty("Labels").GetProperty("tier").GetString());
            Assert.Equal("", v.GetProperty("Labels").GetProperty("flag").GetString());
            Assert.InRange(DateTimeOffset.Parse(v.GetProperty("CreatedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        }
        var two = await d.OrchAsync("volume", "inspect", "data1", "data2");
        using (var doc = JsonDocument.Parse(two.Stdout))
        {
            Assert.Equal(2, doc.RootElement.GetArrayLength());
        }

        var rm = await d.OrchAsync("volume", "rm", "data1", "data2", "data10");
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.Equal("data1\ndata2\ndata10\n", rm.Stdout);
        Assert.Equal("DRIVER    VOLUME NAME\n", (await d.OrchAsync("volume", "ls")).Stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(d.DataRoot, "volumes")));
    }

    [Fact]
    public async Task Create_NoName_PrintsAnonymous64HexName()
    {
        await using var d = await TestDaemon.StartAsync();
        var r = await d.OrchAsync("volume", "create");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches("^[0-9a-f]{64}\n$", r.Stdout);
        Assert.True(Directory.Exists(Path.Combine(d.DataRoot, "volumes", r.Stdout.Trim(), "_data")));
    }

    [Fact]
    public async Task BadInput_OneLineError_NonZeroExit_NothingLeft()
    {
        await using var d = await TestDaemon.StartAsync();
        var bad = await d.OrchAsync("volume", "create", "bad!name");
        Assert.Equal(1, bad.ExitCode);
        Assert.Equal(
            "Error response from daemon: create bad!name: \"bad!name\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path\n",
            bad.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(d.DataRoot, "volumes")));

        var rm = await d.OrchAsync("volume", "rm", "nope");
        Assert.Equal(1, rm.ExitCode);
        Assert.Equal("Error response from daemon: get nope: no such volume\n", rm.Stderr);
        var forced = await d.OrchAsync("volume", "rm", "-f", "nope");
        Assert.True(forced.ExitCode == 0, forced.ToString());

        var inspect = await d.OrchAsync("volume", "inspect", "nope");
        Assert.Equal(1, inspect.ExitCode);
        Assert.Equal("[]\n", inspect.Stdout);
        Assert.Equal("Error: No such volume: nope\n", inspect.Stderr);

        var driver = await d.OrchAsync("volume", "create", "-d", "nfs", "x1");
        Assert.Equal(1, driver.ExitCode);
        Assert.Contains("plugin \"nfs\" not found", driver.Stderr);

        var usage = await d.OrchAsync("volume", "rm");
        Assert.NotEqual(0, usage.ExitCode);
        Assert.Contains("requires at least 1 argument", usage.Stderr);
        Assert.Equal("", (await d.OrchAsync("volume", "ls", "-q")).Stdout);
    }

    [Fact]
    public async Task NamedVolume_DataKeptOnDisk_AcrossDaemonRestart()
    {
        await using var d = await TestDaemon.StartAsync();
        Assert.True((await d.OrchAsync("volume", "create", "keep")).ExitCode == 0);
        var file = Path.Combine(d.DataRoot, "volumes", "keep", "_data", "page.html");
        await File.WriteAllTextAsync(file, "<h1>kept</h1>");
        await d.KillAsync();
        await d.StartProcessAsync();
        Assert.Equal("keep\n", (await d.OrchAsync("volume", "ls", "-q")).Stdout);
        Assert.Equal("<h1>kept</h1>", await File.ReadAllTextAsync(file));
        // Creating it again is not an error and does not touch the data.
        Assert.Equal("keep\n", (await d.OrchAsync("volume", "create", "keep")).Stdout);
        Assert.Equal("<h1>kept</h1>", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Prune_AsksFirst_ThenRemovesUnused_ReportsSpace()
    {
        await using var d = await TestDaemon.StartAsync();
        Assert.True((await d.OrchAsync("volume", "create", "p1")).ExitCode == 0);
        Assert.True((await d.OrchAsync("volume", "create", "p2")).ExitCode == 0);
        await File.WriteAllBytesAsync(Path.Combine(d.DataRoot, "volumes", "p1", "_data", "blob"), new byte[1500]);

        var declined = await ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + d.Socket, "volume", "prune"], stdin: "n\n");
        Assert.Equal(0, declined.ExitCode);
        Assert.Equal(
            "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] Total reclaimed space: 0B\n",
            declined.Stdout);
        Assert.Equal("p1\np2\n", (await d.OrchAsync("volume", "ls", "-q")).Stdout);

        var pruned = await d.OrchAsync("volume", "prune", "-f");
        Assert.True(pruned.ExitCode == 0, pruned.ToString());
        Assert.Equal("Deleted Volumes:\np1\np2\n\nTotal reclaimed space: 1.5kB\n", pruned.Stdout);
        Assert.Equal("", (await d.OrchAsync("volume", "ls", "-q")).Stdout);
        Assert.Equal("Total reclaimed space: 0B\n", (await d.OrchAsync("volume", "prune", "-f")).Stdout);
    }
}
