using Orch.Engine.Images.Oci;
using Orch.Engine.Registry;

namespace Orch.Engine.Images;

public sealed partial class ImageStore
{
    /// <summary>
    /// `orch push NAME[:TAG]`: blobs the registry lacks (HEAD first) are uploaded in parallel, then the config,
    /// then the manifest exactly as stored, so the registry's digest is ours. Returns the manifest digest.
    /// </summary>
    public async Task<string> PushAsync(string reference, Func<TransferProgress, ValueTask> progress, CancellationToken ct)
    {
        var parsed = ImageReference.Parse(reference);
        if (parsed.Digest is not null)
        {
            throw new InvalidReferenceException($"cannot push a digest reference: {reference}");
        }
        var named = parsed.WithDefaultTag();
        string id;
        StoredImage image;
        byte[] manifestBytes;
        lock (gate)
        {
            if (!index.Tags.TryGetValue(named.ToString(), out id!))
            {
                throw new ImageNotFoundException(named.Familiar, $"An image does not exist locally with the tag: {named.FamiliarRepository}");
            }
            image = index.Images[id];
            manifestBytes = Content.Read(image.Manifest);
        }
        var manifest = OciJson.ParseManifest(manifestBytes);
        await progress(new TransferProgress("", $"The push refers to repository [{named.Repository}]"));
        var client = new RegistryClient(Http, named, push: true, InsecureRegistries, Credentials.Get(named.Domain));
        await Task.WhenAll(manifest.Layers.Reverse<OciDescriptor>().Select(l => PushBlobAsync(client, named, l.Digest, progress, ct)));
        await PushBlobAsync(client, named, manifest.Config.Digest, null, ct);
        await client.PutManifestAsync(named.Tag!, manifestBytes, manifest.MediaType, ct);
        lock (gate)
        {
            index.Digests[named.Repository + "@" + image.Manifest] = id;
            SaveIndex();
        }
        await progress(new TransferProgress("", $"{named.Tag}: digest: {image.Manifest} size: {manifestBytes.Length}"));
        return image.Manifest;
    }

    private async Task PushBlobAsync(RegistryClient client, ImageReference target, string digest, Func<TransferProgress, ValueTask>? progress, CancellationToken ct)
    {
        var shortId = Digest.Short(digest);
        if (progress is not null)
        {
            await progress(new TransferProgress(shortId, "Preparing"));
        }
        if (!Content.Exists(digest))
        {
            throw new InvalidDataException($"blob {digest} is missing from the local store");
        }
        if (await client.BlobExistsAsync(digest, ct))
        {
            if (progress is not null)
            {
                await progress(new TransferProgress(shortId, "Layer already exists"));
            }
            return;
        }
        var size = Content.SizeOf(digest);
        var mounted = await client.UploadBlobAsync(digest, Content.PathOf(digest), MountSources(target, digest),
            progress is null ? null : n => progress(new TransferProgress(shortId, "Pushing", n, size)), ct);
        if (progress is not null)
        {
            await progress(new TransferProgress(shortId, mounted is null ? "Pushed" : "Mounted from " + mounted));
        }
    }

    /// <summary>
    /// Other repositories of the target's registry that hold <paramref name="blob"/>: those an image with that
    /// layer (or config) was pulled from or pushed to. The digest references of the index record exactly that
    /// (repository@manifest digest → image), so no extra state is kept.
    /// </summary>
    private List<string> MountSources(ImageReference target, string blob)
    {
        lock (gate)
        {
            return index.Digests
                .Where(kv => kv.Value == blob || (index.Images.TryGetValue(kv.Value, out var image) && image.Layers.Contains(blob)))
                .Select(kv => ImageReference.Parse(kv.Key))
                .Where(r => r.Domain == target.Domain && r.Path != target.Path)
                .Select(r => r.Path)
                .Distinct(StringComparer.Ordinal)
                .Take(3)
                .ToList();
        }
    }
}
