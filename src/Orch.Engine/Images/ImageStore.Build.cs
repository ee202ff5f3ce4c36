using Orch.Engine.Images.Layers;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Images;

/// <summary>A layer as `orch build` records it: an uncompressed tar blob (digest = diff ID) and its unpacked size.</summary>
internal sealed record BuiltLayer(string DiffId, long Size);

/// <summary>An image to build on: its config and layers (base first).</summary>
internal sealed record BaseImage(string Id, OciImage Config, IReadOnlyList<BuiltLayer> Layers);

/// <summary>
/// The builder's access to the store: open a base image, turn a directory in overlay-upper form into a
/// layer (blob + snapshot), and register a finished image. Intermediate build steps are not images: the
/// build cache refers to their layers by diff ID and checks that they still exist before reusing them.
/// </summary>
public sealed partial class ImageStore
{
    internal BaseImage? OpenBase(string reference)
    {
        lock (gate)
        {
            var id = TryResolve(reference);
            if (id is null)
            {
                return null;
            }
            var stored = index.Images[id];
            // A private copy: the builder changes the config it starts from.
            var config = OciJson.ParseImage(Content.Read(id));
            var layers = stored.DiffIds.Zip(stored.LayerSizes, (d, s) => new BuiltLayer(d, s)).ToList();
            return new BaseImage(id, config, layers);
        }
    }

    /// <summary>The snapshot directory of the layer stack ending at <paramref name="chainId"/>.</summary>
    internal string LayerDir(string chainId) => Layers.FsDir(chainId);

    /// <summary>True when every layer of the stack is unpacked and its blob is stored.</summary>
    internal bool HasLayers(IReadOnlyList<BuiltLayer> layers)
    {
        var chains = Digest.ChainIds(layers.Select(l => l.DiffId).ToList());
        lock (gate)
        {
            return chains.All(Layers.Exists) && layers.All(l => Content.Exists(l.DiffId) || BlobOfDiff(l.DiffId) is not null);
        }
    }

    /// <summary>A fresh temporary layer directory; write the layer's files into its "fs" subdirectory.</summary>
    internal string NewLayerDir() => Layers.CreateTemp();

    /// <summary>
    /// Makes the temp dir's "fs" (overlay-upper form: whiteouts as 0/0 character devices, opaque directories
    /// by xattr) a layer on top of <paramref name="parent"/>: the tar (OCI whiteouts) is stored as a blob, the
    /// directory itself becomes the snapshot (no second unpack).
    /// </summary>
    internal async Task<BuiltLayer> CommitLayerAsync(string tempDir, IReadOnlyList<BuiltLayer> parent, CancellationToken ct)
    {
        var fs = Path.Combine(tempDir, "fs");
        try
        {
            using var blob = Content.BeginWrite();
            var (diffId, size) = await Build.DiffTarWriter.WriteAsync(fs, blob.Stream, ct);
            var chain = Digest.ChainIds([.. parent.Select(l => l.DiffId), diffId])[^1];
            lock (gate)
            {
                blob.Commit(diffId);
                Layers.Commit(tempDir, chain, size);
            }
            return new BuiltLayer(diffId, size);
        }
        catch
        {
            LayerStore.Discard(tempDir);
            throw;
        }
    }

    /// <summary>Stores a built image (config, manifest, index entry) and points the tags at it. Returns its ID.</summary>
    internal string RegisterBuilt(OciImage config, IReadOnlyList<BuiltLayer> layers, IReadOnlyList<string> tags)
    {
        var targets = tags.Select(ParseTagTarget).ToList();
        var configBytes = OciJson.Serialize(config);
        var id = Digest.Of(configBytes);
        lock (gate)
        {
            var blobs = layers.Select(l => BlobOfDiff(l.DiffId) ?? l.DiffId).ToList();
            var manifest = new OciManifest
            {
                Config = new OciDescriptor { MediaType = MediaTypes.Config, Digest = id, Size = configBytes.Length },
                Layers = [.. layers.Zip(blobs, (l, b) => new OciDescriptor { MediaType = b == l.DiffId ? MediaTypes.Layer : MediaTypes.LayerGzip, Digest = b, Size = Content.SizeOf(b) })],
            };
            Content.Write(configBytes, id);
            var manifestDigest = Content.Write(OciJson.Serialize(manifest));
            var now = DateTimeOffset.UtcNow;
            if (!index.Images.ContainsKey(id))
            {
                index.Images[id] = new StoredImage
                {
                    Manifest = manifestDigest,
                    Layers = blobs,
                    DiffIds = [.. layers.Select(l => l.DiffId)],
                    LayerSizes = [.. layers.Select(l => l.Size)],
                    Created = config.Created ?? now,
                };
            }
            configs[id] = config;
            foreach (var t in targets)
            {
                index.Tags[t.ToString()] = id;
                index.Images[id].LastTagTime = now;
            }
            SaveIndex();
        }
        return id;
    }

    /// <summary>
    /// Deletes the given layer snapshots and blobs unless an image still references them (`orch builder prune`).
    /// Returns the unpacked bytes freed.
    /// </summary>
    internal long ReleaseUnreferenced(IReadOnlyCollection<IReadOnlyList<BuiltLayer>> stacks)
    {
        lock (gate)
        {
            var liveChains = index.Images.Values.SelectMany(i => i.ChainIds).ToHashSet(StringComparer.Ordinal);
            var liveBlobs = index.Images.Values.SelectMany(i => i.Layers).ToHashSet(StringComparer.Ordinal);
            long freed = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var stack in stacks)
            {
                var chains = Digest.ChainIds(stack.Select(l => l.DiffId).ToList());
                for (var i = chains.Count - 1; i >= 0; i--)
                {
                    if (!seen.Add(chains[i]) || liveChains.Contains(chains[i]))
                    {
                        continue;
                    }
                    if (Layers.Exists(chains[i]))
                    {
                        freed += Layers.SizeOf(chains[i]);
                        Layers.Remove(chains[i]);
                    }
                }
                foreach (var l in stack)
                {
                    if (!liveBlobs.Contains(l.DiffId) && Content.Exists(l.DiffId))
                    {
                        Content.Delete(l.DiffId);
                    }
                }
            }
            return freed;
        }
    }

    /// <summary>The stored (possibly compressed) blob of a layer that came from a pull or import.</summary>
    private string? BlobOfDiff(string diffId)
    {
        foreach (var image in index.Images.Values)
        {
            var i = image.DiffIds.IndexOf(diffId);
            if (i >= 0)
            {
                return image.Layers[i];
            }
        }
        return null;
    }

    /// <summary>Docker's config fields only `orch build` writes (Healthcheck, OnBuild, Shell), for `orch image inspect`.</summary>
    private static void BuildFields(System.Text.Json.Nodes.JsonObject config, OciContainerConfig c)
    {
        if (c.Healthcheck is { } h)
        {
            var hc = new System.Text.Json.Nodes.JsonObject { ["Test"] = new System.Text.Json.Nodes.JsonArray([.. (h.Test ?? []).Select(t => (System.Text.Json.Nodes.JsonNode?)t)]) };
            foreach (var (name, value) in new[] { ("Interval", h.Interval), ("Timeout", h.Timeout), ("StartPeriod", h.StartPeriod), ("StartInterval", h.StartInterval) })
            {
                if (value is { } v)
                {
                    hc[name] = v;
                }
            }
            if (h.Retries is { } r)
            {
                hc["Retries"] = r;
            }
            config["Healthcheck"] = hc;
        }
        if (c.OnBuild is { } onBuild)
        {
            config["OnBuild"] = new System.Text.Json.Nodes.JsonArray([.. onBuild.Select(t => (System.Text.Json.Nodes.JsonNode?)t)]);
        }
        if (c.Shell is { } shell)
        {
            config["Shell"] = new System.Text.Json.Nodes.JsonArray([.. shell.Select(t => (System.Text.Json.Nodes.JsonNode?)t)]);
        }
    }
}
