using Orch.Engine.Volumes;

namespace Orch.Engine.Tests.Volumes;

/// <summary>The local driver over a real directory (no root needed).</summary>
public sealed class LocalVolumeStoreTests : IDisposable
{
    private static readonly Dictionary<string, string> NoLabels = [];
    private readonly string root = Path.Combine(Path.GetTempPath(), "orch-vol-" + Guid.NewGuid().ToString("N")[..8]);
    private static readonly Func<string, bool> Unused = _ => false;

    [Fact]
    public void Create_Named_MakesDataDirectoryAndMetadata()
    {
        var store = new LocalVolumeStore(root);
        var v = store.Create("data", new Dictionary<string, string> { ["tier"] = "db" });
        Assert.Equal(Path.Combine(root, "data", "_data"), v.Mountpoint);
        Assert.True(Directory.Exists(v.Mountpoint));
        Assert.True(File.Exists(Path.Combine(root, "data", "volume.json")));
        Assert.False(File.Exists(Path.Combine(root, "data", "volume.json.tmp")));
        Assert.False(v.Anonymous);
        Assert.Equal("db", v.Labels["tier"]);
        Assert.InRange(v.Created, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(v, store.Get("data")! with { Labels = v.Labels });
        Assert.Equal("db", store.Get("data")!.Labels["tier"]);
    }

    [Fact]
    public void Create_ExistingName_ReturnsItUnchanged_DataKept()
    {
        var store = new LocalVolumeStore(root);
        var first = store.Create("data", new Dictionary<string, string> { ["a"] = "1" });
        File.WriteAllText(Path.Combine(first.Mountpoint, "f"), "kept");
        var again = store.Create("data", new Dictionary<string, string> { ["a"] = "2" });
        Assert.Equal("1", again.Labels["a"]);
        Assert.Equal(first.Created, again.Created);
        Assert.Equal("kept", File.ReadAllText(Path.Combine(again.Mountpoint, "f")));
        Assert.Single(store.List());
    }

    [Fact]
    public void Create_NoName_IsAnonymousWith64HexName()
    {
        var store = new LocalVolumeStore(root);
        var v = store.Create(null, NoLabels);
        Assert.Matches("^[0-9a-f]{64}$", v.Name);
        Assert.True(v.Anonymous);
        Assert.NotEqual(v.Name, store.Create("", NoLabels).Name);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("-x")]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("bad!name")]
    [InlineData("with space")]
    public void Create_BadName_FailsAndLeavesNothing(string name)
    {
        var store = new LocalVolumeStore(root);
        var e = Assert.Throws<VolumeException>(() => store.Create(name, NoLabels));
        Assert.Equal(VolumeError.Invalid, e.Error);
        Assert.Contains("includes invalid characters for a local volume name", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public void List_IsSortedAndSkipsHalfMadeDirectories()
    {
        var store = new LocalVolumeStore(root);
        store.Create("b1", NoLabels);
        store.Create("a1", NoLabels);
        Directory.CreateDirectory(Path.Combine(root, "crashed", "_data")); // no volume.json: never finished
        Assert.Equal(["a1", "b1"], store.List().Select(v => v.Name));
        Assert.Null(store.Get("crashed"));
    }

    [Fact]
    public void Remove_DeletesDataAndMetadata()
    {
        var store = new LocalVolumeStore(root);
        var v = store.Create("data", NoLabels);
        File.WriteAllText(Path.Combine(v.Mountpoint, "f"), "x");
        store.Remove("data", force: false, Unused);
        Assert.Null(store.Get("data"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public void Remove_InUse_RefusedEvenWithForce_DataKept()
    {
        var store = new LocalVolumeStore(root);
        var v = store.Create("data", NoLabels);
        File.WriteAllText(Path.Combine(v.Mountpoint, "f"), "x");
        foreach (var force in new[] { false, true })
        {
            var e = Assert.Throws<VolumeException>(() => store.Remove("data", force, n => n == "data"));
            Assert.Equal(VolumeError.InUse, e.Error);
            Assert.Equal("remove data: volume is in use", e.Message);
        }
        Assert.True(File.Exists(Path.Combine(v.Mountpoint, "f")));
    }

    [Fact]
    public void Remove_Unknown_NotFound_UnlessForced()
    {
        var store = new LocalVolumeStore(root);
        var e = Assert.Throws<VolumeException>(() => store.Remove("nope", force: false, Unused));
        Assert.Equal(VolumeError.NotFound, e.Error);
        Assert.Equal("get nope: no such volume", e.Message);
        store.Remove("nope", force: true, Unused);
        Assert.Throws<VolumeException>(() => store.Remove("../etc", force: false, Unused));
    }

    [Fact]
    public void Prune_RemovesUnusedOnly_ReportsBytes()
    {
        var store = new LocalVolumeStore(root);
        var a = store.Create("a1", NoLabels);
        store.Create("b1", NoLabels);
        store.Create("busy", NoLabels);
        File.WriteAllBytes(Path.Combine(a.Mountpoint, "f"), new byte[1500]);
        Directory.CreateDirectory(Path.Combine(a.Mountpoint, "sub"));
        File.WriteAllBytes(Path.Combine(a.Mountpoint, "sub", "g"), new byte[500]);
        File.CreateSymbolicLink(Path.Combine(a.Mountpoint, "etc"), "/etc"); // not followed
        var removed = store.Prune(n => n == "busy");
        Assert.Equal(["a1", "b1"], removed.Select(v => v.Name).Order());
        Assert.Equal(2000, removed.Single(v => v.Name == "a1").Size);
        Assert.Equal(["busy"], store.List().Select(v => v.Name));
        Assert.True(File.Exists("/etc/passwd"), "prune followed the symlink into /etc");
    }

    [Fact]
    public void NewStore_OverSameRoot_FindsVolumes_SweepsTrash()
    {
        var v = new LocalVolumeStore(root).Create("data", NoLabels);
        File.WriteAllText(Path.Combine(v.Mountpoint, "f"), "survives");
        Directory.CreateDirectory(Path.Combine(root, ".trash-old-12345678", "_data"));
        var reopened = new LocalVolumeStore(root);
        Assert.Equal(["data"], reopened.List().Select(x => x.Name));
        Assert.Equal("survives", File.ReadAllText(Path.Combine(reopened.Get("data")!.Mountpoint, "f")));
        Assert.False(Directory.Exists(Path.Combine(root, ".trash-old-12345678")));
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
