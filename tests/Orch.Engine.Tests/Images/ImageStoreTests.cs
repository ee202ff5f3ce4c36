using System.IO.Compression;
using Microsoft.Extensions.Logging.Abstractions;
using Orch.Engine.Images;
using Orch.Engine.Images.Layers;

namespace Orch.Engine.Tests.Images;

/// <summary>The store in-process on a scratch data root: import, sharing by chain ID, removal, restart.</summary>
public sealed class ImageStoreTests
{
    private static ImageStore Open(string dataRoot) =>
        new(new EngineOptions { DataRoot = dataRoot, ExecRoot = dataRoot + "-exec", LauncherDir = "/nonexistent" }, NullLogger<ImageStore>.Instance);

    private static byte[] BaseTar() => new LayerTar().Dir("bin/").File("bin/tool", "#!/bin/sh\necho hi\n", mode: 0x1ED).Dir("etc/").File("etc/os", "base").Build();

    private static Task<string> ImportAsync(ImageStore s, byte[] tar, string? name, params string[] changes) =>
        s.ImportAsync(new MemoryStream(tar), name, changes, null, CancellationToken.None);

    private static string[] Snapshots(string dataRoot) => Directory.GetDirectories(Path.Combine(dataRoot, "snapshots")).Select(Path.GetFileName).ToArray()!;

    private static string[] Blobs(string dataRoot) => Directory.GetFiles(Path.Combine(dataRoot, "blobs", "sha256")).Select(Path.GetFileName).ToArray()!;

    [Fact]
    public async Task Import_TwoImagesFromOneBase_StoreTheLayerOnce_AndRemoveItWithTheLast()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var s = Open(t.Path);
        var a = await ImportAsync(s, BaseTar(), "a:1");
        var b = await ImportAsync(s, BaseTar(), "b:1", "CMD [\"sh\"]");

        Assert.NotEqual(a, b);
        var ra = s.Find("a:1")!;
        var rb = s.Find("b:1")!;
        Assert.Equal(ra.LayerDirs, rb.LayerDirs);
        Assert.Single(Snapshots(t.Path));
        Assert.Equal(5, Blobs(t.Path).Length); // one layer + two configs + two manifests
        Assert.Equal(["sh"], rb.Config.Cmd);
        Assert.Empty(ra.Config.Cmd);

        var first = s.Remove("a:1", force: false, _ => null);
        Assert.Equal(["a:1"], first.Untagged);
        Assert.Equal([a], first.Deleted);
        Assert.True(Directory.Exists(rb.LayerDirs[0]));

        var second = s.Remove("b:1", force: false, _ => null);
        Assert.Equal([b, ra.LayerDirs[0].Split('/')[^2].Insert(0, "sha256:")], second.Deleted);
        Assert.Empty(Snapshots(t.Path));
        Assert.Empty(Blobs(t.Path));
        Assert.Empty(s.List());
    }

    [Fact]
    public async Task LayerDirectory_IsUnchanged_AfterOtherImagesUseAndDropIt_AndAfterRestart()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var s = Open(t.Path);
        await ImportAsync(s, BaseTar(), "base");
        var dir = s.Find("base")!.LayerDirs[0];
        var before = await TreeAsync(dir);

        await ImportAsync(s, BaseTar(), "other");
        s.Tag("other", "third:x");
        s.Remove("other", false, _ => null);
        s.Remove("third:x", false, _ => null);
        var reopened = Open(t.Path);

        Assert.Equal(dir, reopened.Find("base")!.LayerDirs[0]);
        Assert.Equal(before, await TreeAsync(dir));
    }

    [Fact]
    public async Task Import_Gzip_KeepsCompressedBlob_AndDiffIdOfTheTar()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var s = Open(t.Path);
        var tar = BaseTar();
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(tar);
        }

        var id = await ImportAsync(s, gz.ToArray(), "gz");

        var json = s.InspectJson("gz");
        Assert.Contains(Digest.Of(tar), json);
        Assert.True(s.Content.Exists(Digest.Of(gz.ToArray())));
        Assert.Equal(id, s.Find(id[7..19])!.Id);
    }

    [Fact]
    public async Task Import_MaliciousTar_KeepsNothing()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var s = Open(t.Path);

        var e = await Assert.ThrowsAsync<LayerEntryException>(() => ImportAsync(s, new LayerTar().File("a", "1").File("../../x", "2").Build(), "evil"));

        Assert.Equal("../../x", e.Entry);
        Assert.Empty(Snapshots(t.Path));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.Path, "snapshots")));
        Assert.Empty(Blobs(t.Path));
        Assert.Empty(Directory.GetFiles(Path.Combine(t.Path, "blobs", "ingest")));
        Assert.Null(s.Find("evil"));
    }

    [Theory]
    [InlineData("not a tar at all, just text", "invalid tar archive")]
    [InlineData("", "invalid tar archive")]
    public async Task Import_NotATar_IsRefused(string content, string expected)
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var s = Open(t.Path);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ImportAsync(s, System.Text.Encoding.UTF8.GetBytes(content), "x"));
        Assert.Contains(expected, e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.Path, "snapshots")));
    }

    [Fact]
    public async Task Import_BadReference_FailsBeforeReadingAnything()
    {
        using var t = new TempDir();
        var s = Open(t.Path);
        var e = await Assert.ThrowsAsync<InvalidReferenceException>(() => ImportAsync(s, BaseTar(), "Bad/Name"));
        Assert.Contains("must be lowercase", e.Message);
        Assert.Empty(Blobs(t.Path));
    }

    [Fact]
    public async Task Remove_ByIdWithTwoNames_NeedsForce_AndInUseImageStaysUntagged()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var s = Open(t.Path);
        var id = await ImportAsync(s, BaseTar(), "a");
        s.Tag("a", "b:2");

        var conflict = Assert.Throws<ImageConflictException>(() => s.Remove(id[7..19], false, _ => null));
        Assert.Contains("must be forced) - image is referenced in multiple repositories", conflict.Message);
        // "b:2" is not the image's last name: untagging it is fine even while a container uses the image.
        Assert.Equal(["b:2"], s.Remove("b:2", false, _ => "c0ffee000000aaaa").Untagged);
        // "a" is the last name: refused without force.
        var inUse = Assert.Throws<ImageConflictException>(() => s.Remove("a", false, i => i == id ? "c0ffee000000aaaa" : null));
        Assert.Contains("container c0ffee000000 is using its referenced image", inUse.Message);

        var forced = s.Remove(id, true, i => "c0ffee000000aaaa");
        Assert.Equal(["a:latest"], forced.Untagged);
        Assert.Empty(forced.Deleted);
        Assert.NotNull(s.Find(id)); // dangling: the container still stacks its layers
        Assert.Empty(s.Find(id)!.RepoTags);
        Assert.Throws<ImageNotFoundException>(() => s.Remove("nosuch", false, _ => null));
    }

    [Fact]
    public void Start_SweepsWhatAKilledDaemonLeft()
    {
        using var t = new TempDir();
        Open(t.Path);
        Directory.CreateDirectory(Path.Combine(t.Path, "snapshots", ".tmp-deadbeef", "fs", "half"));
        File.WriteAllText(Path.Combine(t.Path, "blobs", "ingest", "partial"), "x");

        Open(t.Path);

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.Path, "snapshots")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.Path, "blobs", "ingest")));
    }

    /// <summary>Every path with its type, mode, owner, size, mtime and content hash (or link target).</summary>
    internal static async Task<string> TreeAsync(string dir)
    {
        var r = await Orch.Testing.ProcessRunner.ShAsync($"cd '{dir}' && find . -printf '%p %y %m %U:%G %s %T@ %l\\n' | sort && find . -type f -exec sha256sum {{}} + | sort");
        Assert.Equal(0, r.ExitCode);
        return r.Stdout;
    }
}
