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
    public Task<string> PullAsync(string reference, Func<TransferProgress, ValueTask> progress, CancellationToken ct) =>
        PullAsync(reference, null, progress, ct);

    /// <summary>A pull with the given credentials instead of the stored ones (a service's --with-registry-auth).</summary>
    public Task<string> PullAsync(string reference, (string User, string Password)? credentials,
        Func<TransferProgress, ValueTask> progress, CancellationToken ct)
    {
        var named = ImageReference.Parse(reference).WithDefaultTag();
        var client = new RegistryClient(Http, named, push: false, InsecureRegistries, credentials ?? Credentials.Get(named.Domain));
        return PullFromAsync(reference, new RegistrySource(client), progress, ct);
    }

    /// <summary>
    /// A pull from any <see cref="IContentSource"/>, verified as from a registry. With a digest in
    /// <paramref name="reference"/> and an image of that manifest already here (under any name), only the
    /// name@digest reference is recorded. Returns the image ID.
    /// </summary>
    public async Task<string> PullFromAsync(string reference, IContentSource source, Func<TransferProgress, ValueTask> progress, CancellationToken ct)
    {
        var named = ImageReference.Parse(reference).WithDefaultTag();
        if (named.Digest is not null && RecordIfPresent(named.Repository, named.Digest) is { } present)
        {
            return present;
        }
        var (body, mediaType) = await source.GetManifestAsync(named.Digest ?? named.Tag!, ct);
        var manifestDigest = Digest.Of(body);
        var topDigest = manifestDigest;
        if (named.Digest is not null && named.Digest != manifestDigest)
        {
            throw new DigestMismatchException(named.Digest, manifestDigest);
        }
        if (OciIndex.IsIndex(body, mediaType))
        {
            manifestDigest = OciIndex.SelectPlatform(body, GoArch())
                ?? throw new RegistryException($"no matching manifest for linux/{GoArch()} in the manifest list entries");
            (body, _) = await source.GetManifestAsync(manifestDigest, ct);
            if (Digest.Of(body) != manifestDigest)
            {
                throw new DigestMismatchException(manifestDigest, Digest.Of(body));
            }
        }
        var manifest = OciJson.ParseManifest(body);
        await progress(new TransferProgress("", $"{named.Tag ?? named.Digest}: Pulling from {named.FamiliarRepository}"));

        // The config and the layers are fetched at once: a layer needs the config's diff IDs only to check its
        // own once unpacked and to name its snapshot (one whose blob is here already waits for them to see
        // whether its snapshot is, too). Saves a round trip before the first layer byte.
        using var pending = new PendingContent(Content, Layers);
        using var stopLayers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var configTask = FetchConfigAsync(source, manifest, ct);
        var layerTasks = manifest.Layers.Select((l, i) => PullLayerAsync(source, l, i, configTask, pending, progress, stopLayers.Token)).ToList();
        PulledConfig pulled;
        try
        {
            pulled = await configTask;
        }
        catch
        {
            // The config's failure is the one to report; the layer transfers stop and leave nothing behind.
            await stopLayers.CancelAsync();
            try
            {
                await Task.WhenAll(layerTasks);
            }
            catch (Exception)
            {
                // Cancelled, or failed on their own: either way the config's error is the answer.
            }
            throw;
        }
        var sizes = await Task.WhenAll(layerTasks);

        var (configBytes, config, diffIds, _) = pulled;
        var id = manifest.Config.Digest;
        pending.AddBytes(configBytes, id);
        pending.AddBytes(body, manifestDigest);
        pending.Sync();
        bool updated;
        lock (gate)
        {
            pending.Publish();
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
            // name:tag@digest records the digest only: the tag may name other content on this node.
            if (named.Tag is not null && named.Digest is null)
            {
                var tagKey = (named with { Digest = null }).ToString();
                updated |= !index.Tags.TryGetValue(tagKey, out var old) || old != id;
                index.Tags[tagKey] = id;
            }
            index.Digests[named.Repository + "@" + manifestDigest] = id;
            // A pull by an index's digest is found again by that digest (a service pinned to it).
            index.Digests[named.Repository + "@" + topDigest] = id;
            // The sync that makes the index's temp file durable makes the renames above durable too.
            SaveIndex(durableBy: pending.Sync);
        }
        await progress(new TransferProgress("", "Digest: " + manifestDigest));
        await progress(new TransferProgress("", (updated ? "Status: Downloaded newer image for " : "Status: Image is up to date for ") + named.Familiar));
        return id;
    }

    /// <summary>The image config, checked against its digest and the manifest's layer count.</summary>
    private sealed record PulledConfig(byte[] Bytes, OciImage Config, IReadOnlyList<string> DiffIds, IReadOnlyList<string> ChainIds);

    private static async Task<PulledConfig> FetchConfigAsync(IContentSource source, OciManifest manifest, CancellationToken ct)
    {
        byte[] bytes;
        await using (var stream = await source.OpenBlobAsync(manifest.Config.Digest, ct))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, ct);
            bytes = buffer.ToArray();
        }
        if (Digest.Of(bytes) != manifest.Config.Digest)
        {
            throw new DigestMismatchException(manifest.Config.Digest, Digest.Of(bytes));
        }
        var config = OciJson.ParseImage(bytes);
        var diffIds = config.RootFs.DiffIds;
        if (diffIds.Count != manifest.Layers.Count)
        {
            throw new InvalidDataException($"image config lists {diffIds.Count} layers but the manifest {manifest.Layers.Count}");
        }
        return new PulledConfig(bytes, config, diffIds, Digest.ChainIds(diffIds));
    }

    private async Task<long> PullLayerAsync(IContentSource source, OciDescriptor layer, int index, Task<PulledConfig> config,
        PendingContent pending, Func<TransferProgress, ValueTask> progress, CancellationToken ct)
    {
        var shortId = Digest.Short(layer.Digest);
        if (Content.Exists(layer.Digest) && (await config).ChainIds[index] is var chain && Layers.Exists(chain))
        {
            await progress(new TransferProgress(shortId, "Already exists"));
            return Layers.SizeOf(chain);
        }
        await progress(new TransferProgress(shortId, "Pulling fs layer"));
        // A download cut off midway starts over (transient failures only; a digest mismatch is final).
        return await RegistryResilience.Transfers.ExecuteAsync(
            async token => await DownloadLayerAsync(source, layer, index, config, shortId, pending, progress, token), ct);
    }

    /// <summary>One attempt at a layer: received, unpacked and verified into staging; published with the image.</summary>
    private async Task<long> DownloadLayerAsync(IContentSource source, OciDescriptor layer, int index, Task<PulledConfig> config, string shortId,
        PendingContent pending, Func<TransferProgress, ValueTask> progress, CancellationToken ct)
    {
        await using var stream = new ProgressStream(await source.OpenBlobAsync(layer.Digest, ct),
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
            var pulled = await config;
            if (got.DiffId != pulled.DiffIds[index])
            {
                throw new DigestMismatchException(pulled.DiffIds[index], got.DiffId);
            }
            // The layer was unpacked while it streamed in (one pass), so "Extracting" has no step of its own.
            await progress(new TransferProgress(shortId, "Verifying Checksum"));
            await progress(new TransferProgress(shortId, "Download complete"));
            pending.AddBlob(blob.Stage(), got.Digest);
            pending.AddLayer(temp, pulled.ChainIds[index], got.UnpackedSize);
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
