using Microsoft.Extensions.Logging.Abstractions;
using Orch.Engine.Images;

namespace Orch.Engine.Tests.Images;

/// <summary>
/// Pulls from a non-registry <see cref="IContentSource"/> (what a cluster's managers serve): one store serves
/// another by digest, the content is verified, and a source that lies leaves nothing behind.
/// </summary>
public sealed class ContentSourceTests
{
    private static ImageStore Open(string dataRoot) =>
        new(new EngineOptions { DataRoot = dataRoot, ExecRoot = dataRoot + "-exec", LauncherDir = "/nonexistent" }, NullLogger<ImageStore>.Instance);

    private static byte[] Tar() => new LayerTar().Dir("srv/").File("srv/index.html", "v1\n").Build();

    /// <summary>Another store's content by digest, as the managers serve it; optionally flipping a byte of every blob.</summary>
    private sealed class StoreSource(ImageStore store, bool corrupt = false) : IContentSource
    {
        public Task<(byte[] Body, string MediaType)> GetManifestAsync(string tagOrDigest, CancellationToken ct) =>
            Task.FromResult((store.ReadCompleteManifest(tagOrDigest) ?? throw new ImageNotFoundException(tagOrDigest), ""));

        public async Task<Stream> OpenBlobAsync(string digest, CancellationToken ct)
        {
            await using var blob = store.OpenBlob(digest) ?? throw new ImageNotFoundException(digest);
            var copy = new MemoryStream();
            await blob.CopyToAsync(copy, ct);
            if (corrupt)
            {
                copy.GetBuffer()[copy.Length / 2] ^= 0xff;
            }
            copy.Position = 0;
            return copy;
        }
    }

    [Fact]
    public async Task PullFrom_AnotherStore_ByManifestDigest_GivesTheSameImageUnderNameAtDigest_WithoutATag()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var origin = Open(t.Sub("origin"));
        var id = await origin.ImportAsync(new MemoryStream(Tar()), "app:v1", [], null, CancellationToken.None);
        var digest = origin.LocalManifestDigest("app:v1")!;
        var node = Open(t.Sub("node"));
        await node.ImportAsync(new MemoryStream(new LayerTar().Dir("x/").Build()), "app:v1", [], null, CancellationToken.None);
        var localV1 = node.Find("app:v1")!.Id;

        var pulled = await node.PullFromAsync("app:v1@" + digest, new StoreSource(origin), _ => ValueTask.CompletedTask, CancellationToken.None);

        Assert.Equal(id, pulled);
        Assert.Equal(id, node.Find("app@" + digest)!.Id);
        Assert.Equal(id, node.Find("app:v1@" + digest)!.Id);
        // The node's own app:v1 is left alone: a pull by digest records the digest only.
        Assert.Equal(localV1, node.Find("app:v1")!.Id);
        Assert.NotNull(node.ReadCompleteManifest(digest));
    }

    [Fact]
    public async Task PullFrom_ASourceThatServesWrongBytes_FailsAndKeepsNothing()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var origin = Open(t.Sub("origin"));
        await origin.ImportAsync(new MemoryStream(Tar()), "app:v1", [], null, CancellationToken.None);
        var digest = origin.LocalManifestDigest("app:v1")!;
        var node = Open(t.Sub("node"));

        await Assert.ThrowsAnyAsync<Exception>(() =>
            node.PullFromAsync("app:v1@" + digest, new StoreSource(origin, corrupt: true), _ => ValueTask.CompletedTask, CancellationToken.None));

        Assert.Null(node.Find("app@" + digest));
        Assert.Empty(node.List());
        Assert.Empty(Directory.GetFiles(Path.Combine(t.Path, "node", "blobs", "sha256")));
    }
}
