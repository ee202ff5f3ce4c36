using Orch.Engine.Images.Layers;
using Orch.Engine.Images.Oci;
using Orch.Engine.Registry;

namespace Orch.Engine.Images;

public sealed partial class ImageStore
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>`orch login`: checks the credentials against the registry, then keeps them (0600 file).</summary>
    public async Task LoginAsync(string registry, string user, string password, CancellationToken ct)
    {
        var probe = ImageReference.Parse(registry.Replace("https://", "", StringComparison.Ordinal).Replace("http://", "", StringComparison.Ordinal).TrimEnd('/') + "/login-probe");
        var client = new RegistryClient(Http, probe, push: false, InsecureRegistries, (user, password));
        await client.PingAsync(ct);
        Credentials.Set(probe.Domain, user, password);
    }

    /// <summary>Registries reached over plain HTTP although not on loopback (orchd --insecure-registry).</summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; }

    /// <summary>
    /// `orch pull`: manifest (an index picks linux/&lt;arch&gt;), config and layers, every one checked against its
    /// digest; layers whose chain ID is already unpacked are not fetched; layers stream in parallel straight
    /// into the one-pass ingest. A mismatch is an error and nothing of that blob is kept. Returns the image ID.
    /// </summary>
    public async Task<string> PullAsync(string reference, Func<TransferProgress, ValueTask> progress, CancellationToken ct)
    {
        var named = ImageReference.Parse(reference).WithDefaultTag();
        var client = new RegistryClient(Http, named, push: false, InsecureRegistries, Credentials.Get(named.Domain));
        var (body, mediaType) = await client.GetManifestAsync(named.Digest ?? named.Tag!, ct);
        var manifestDigest = Digest.Of(body);
        if (named.Digest is not null && named.Digest != manifestDigest)
        {
            throw new DigestMismatchException(named.Digest, manifestDigest);
        }
        if (OciIndex.IsIndex(body, mediaType))
        {
            manifestDigest = OciIndex.SelectPlatform(body, GoArch())
                ?? throw new RegistryException($"no matching manifest for linux/{GoArch()} in the manifest list entries");
            (body, _) = await client.GetManifestAsync(manifestDigest, ct);
            if (Digest.Of(body) != manifestDigest)
            {
                throw new DigestMismatchException(manifestDigest, Digest.Of(body));
            }
        }
        var manifest = OciJson.ParseManifest(body);
        await progress(new TransferProgress("", $"{named.Tag ?? named.Digest}: Pulling from {named.FamiliarRepository}"));

        using var configResponse = await client.GetBlobAsync(manifest.Config.Digest, ct);
        var configBytes = await configResponse.Content.ReadAsByteArrayAsync(ct);
        if (Digest.Of(configBytes) != manifest.Config.Digest)
        {
            throw new DigestMismatchException(manifest.Config.Digest, Digest.Of(configBytes));
        }
        var config = OciJson.ParseImage(configBytes);
        var diffIds = config.RootFs.DiffIds;
        if (diffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidDataException($"image config lists {diffIds.Count} layers but the manifest {manifest.Layers.Count}");
        }
        var chains = Digest.ChainIds(diffIds);
        var sizes = await Task.WhenAll(manifest.Layers.Select((l, i) => PullLayerAsync(client, l, diffIds[i], chains[i], progress, ct)));

        var id = manifest.Config.Digest;
        bool updated;
        lock (gate)
        {
            Content.Write(configBytes, id);
            Content.Write(body, manifestDigest);
            updated = !index.Images.ContainsKey(id);
            index.Images[id] = new StoredImage
            {
                Manifest = manifestDigest,
                Layers = manifest.Layers.Select(l => l.Digest).ToList(),
                DiffIds = [.. diffIds],
                LayerSizes = [.. sizes],
                Created = config.Created ?? DateTimeOffset.UtcNow,
                LastTagTime = DateTimeOffset.UtcNow,
            };
            configs[id] = config;
            if (named.Tag is not null)
            {
                var tagKey = (named with { Digest = null }).ToString();
                updated |= !index.Tags.TryGetValue(tagKey, out var old) || old != id;
                index.Tags[tagKey] = id;
            }
            index.Digests[named.Repository + "@" + manifestDigest] = id;
            SaveIndex();
        }
        await progress(new TransferProgress("", "Digest: " + manifestDigest));
        await progress(new TransferProgress("", (updated ? "Status: Downloaded newer image for " : "Status: Image is up to date for ") + named.Familiar));
        return id;
    }

    private async Task<long> PullLayerAsync(RegistryClient client, OciDescriptor layer, string diffId, string chain,
        Func<TransferProgress, ValueTask> progress, CancellationToken ct)
    {
        var shortId = Digest.Short(layer.Digest);
        if (Layers.Exists(chain) && Content.Exists(layer.Digest))
        {
            await progress(new TransferProgress(shortId, "Already exists"));
            return Layers.SizeOf(chain);
        }
        await progress(new TransferProgress(shortId, "Pulling fs layer"));
        // A download cut off midway starts over (transient failures only; a digest mismatch is final).
        return await RegistryResilience.Transfers.ExecuteAsync(
            async token => await DownloadLayerAsync(client, layer, diffId, chain, shortId, progress, token), ct);
    }

    private async Task<long> DownloadLayerAsync(RegistryClient client, OciDescriptor layer, string diffId, string chain, string shortId,
        Func<TransferProgress, ValueTask> progress, CancellationToken ct)
    {
        using var response = await client.GetBlobAsync(layer.Digest, ct);
        await using var stream = new ProgressStream(await response.Content.ReadAsStreamAsync(ct),
            n => progress(new TransferProgress(shortId, "Downloading", n, layer.Size)));
        var temp = Layers.CreateTemp();
        using var blob = Content.BeginWrite();
        try
        {
            var got = await LayerIngest.RunAsync(stream, blob.Stream, Path.Combine(temp, "fs"), ct);
            if (got.Digest != layer.Digest)
            {
                throw new DigestMismatchException(layer.Digest, got.Digest);
            }
            if (got.DiffId != diffId)
            {
                throw new DigestMismatchException(diffId, got.DiffId);
            }
            // The layer was unpacked while it streamed in (one pass), so "Extracting" has no step of its own.
            await progress(new TransferProgress(shortId, "Verifying Checksum"));
            await progress(new TransferProgress(shortId, "Download complete"));
            lock (gate)
            {
                blob.Commit(got.Digest, layer.Digest);
                Layers.Commit(temp, chain, got.UnpackedSize);
            }
            await progress(new TransferProgress(shortId, "Pull complete"));
            return got.UnpackedSize;
        }
        catch
        {
            LayerStore.Discard(temp);
            throw;
        }
    }
}
