using System.Formats.Tar;
using System.Text.Json;
using Orch.Engine.Images.Layers;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Images;

public sealed partial class ImageStore
{
    /// <summary>
    /// `orch load`: an OCI image layout archive or a `docker save` archive (legacy &lt;id&gt;/layer.tar or
    /// Docker 25+ blobs/ form). The archive is spooled (it is not random-access while it streams), then
    /// every blob named by digest is checked, every layer's diff ID is checked against its config, and
    /// layers whose chain ID is already unpacked are shared. Returns Docker's "Loaded image: …" lines.
    /// </summary>
    public async Task<IReadOnlyList<string>> LoadAsync(Stream archive, CancellationToken ct)
    {
        var spool = Content.NewSpoolDirectory();
        try
        {
            await SpoolAsync(archive, spool, ct);
            var loaded = new List<string>();
            if (File.Exists(Path.Combine(spool, "manifest.json")))
            {
                using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(spool, "manifest.json"), ct));
                foreach (var m in doc.RootElement.EnumerateArray())
                {
                    var tags = m.TryGetProperty("RepoTags", out var t) && t.ValueKind == JsonValueKind.Array
                        ? t.EnumerateArray().Select(x => ParseTagTarget(x.GetString()!).Familiar).ToList() : [];
                    var layers = m.GetProperty("Layers").EnumerateArray().Select(x => Path.Combine(spool, x.GetString()!)).ToList();
                    var id = await AddLoadedImageAsync(Path.Combine(spool, m.GetProperty("Config").GetString()!), layers, null, tags, ct);
                    loaded.AddRange(tags.Count > 0 ? tags.Select(x => "Loaded image: " + x) : ["Loaded image ID: " + id]);
                }
            }
            else if (File.Exists(Path.Combine(spool, "index.json")))
            {
                using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(spool, "index.json"), ct));
                foreach (var d in doc.RootElement.GetProperty("manifests").EnumerateArray())
                {
                    var manifestPath = BlobPath(spool, d.GetProperty("digest").GetString()!);
                    var manifestBytes = await File.ReadAllBytesAsync(manifestPath, ct);
                    var manifest = OciJson.ParseManifest(manifestBytes);
                    var name = d.TryGetProperty("annotations", out var a) && a.TryGetProperty("io.containerd.image.name", out var n) ? n.GetString() : null;
                    var layers = manifest.Layers.Select(l => BlobPath(spool, l.Digest)).ToList();
                    var tags = name is null ? [] : new List<string> { ImageReference.Parse(name).Familiar };
                    var id = await AddLoadedImageAsync(BlobPath(spool, manifest.Config.Digest), layers, manifestBytes, tags, ct);
                    loaded.AddRange(tags.Count > 0 ? tags.Select(x => "Loaded image: " + x) : ["Loaded image ID: " + id]);
                }
            }
            else
            {
                throw new InvalidDataException("invalid archive: neither manifest.json (docker save) nor index.json (OCI layout) found");
            }
            return loaded;
        }
        finally
        {
            LayerStore.Discard(spool);
        }
    }

    /// <summary>Writes the archive's regular files under <paramref name="spool"/>; names that climb out are refused.</summary>
    private static async Task SpoolAsync(Stream archive, string spool, CancellationToken ct)
    {
        await using var reader = new TarReader(archive, leaveOpen: true);
        var links = new List<(List<string> Name, List<string> Target)>();
        TarEntry? e;
        while ((e = await reader.GetNextEntryAsync(copyData: false, ct)) is not null)
        {
            if (e.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
            {
                // docker save links a layer.tar it already wrote ("../<id>/layer.tar").
                var name = EntryPath.Clean(e.Name, e.Name);
                var baseDir = e.EntryType == TarEntryType.HardLink ? "" : string.Join('/', name.SkipLast(1)) + "/";
                links.Add((name, EntryPath.Clean(baseDir + e.LinkName, e.Name)));
                continue;
            }
            if (e.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
            {
                continue;
            }
            var parts = EntryPath.Clean(e.Name, e.Name);
            if (parts.Count == 0)
            {
                continue;
            }
            var path = Path.Combine([spool, .. parts]);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
            if (e.DataStream is not null)
            {
                await e.DataStream.CopyToAsync(fs, ct);
            }
        }
        foreach (var (name, target) in links)
        {
            var from = Path.Combine([spool, .. target]);
            if (name.Count > 0 && File.Exists(from))
            {
                var to = Path.Combine([spool, .. name]);
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(from, to, overwrite: true);
            }
        }
    }

    /// <summary>A blob file of an OCI layout, the digest checked as a file name first.</summary>
    private static string BlobPath(string spool, string digest) => Path.Combine(spool, "blobs", "sha256", Digest.Hex(digest));

    private async Task<string> AddLoadedImageAsync(string configPath, List<string> layerPaths, byte[]? manifestBytes, List<string> tags, CancellationToken ct)
    {
        var configBytes = await File.ReadAllBytesAsync(configPath, ct);
        var id = Digest.Of(configBytes);
        var config = OciJson.ParseImage(configBytes);
        var diffIds = config.RootFs.DiffIds;
        if (diffIds.Count != layerPaths.Count)
        {
            throw new InvalidDataException($"image {Digest.Short(id)}: config lists {diffIds.Count} layers, the archive {layerPaths.Count}");
        }
        var manifest = manifestBytes is null ? null : OciJson.ParseManifest(manifestBytes);
        var chains = Digest.ChainIds(diffIds);
        var descriptors = new List<OciDescriptor>();
        var sizes = new List<long>();
        for (var i = 0; i < layerPaths.Count; i++)
        {
            var temp = Layers.CreateTemp();
            using var blob = Content.BeginWrite();
            try
            {
                await using var file = File.OpenRead(layerPaths[i]);
                var got = await LayerIngest.RunAsync(file, blob.Stream, Path.Combine(temp, "fs"), ct);
                var expected = manifest?.Layers[i].Digest ?? got.Digest;
                if (got.Digest != expected)
                {
                    throw new DigestMismatchException(expected, got.Digest);
                }
                if (got.DiffId != diffIds[i])
                {
                    throw new DigestMismatchException(diffIds[i], got.DiffId);
                }
                lock (gate)
                {
                    blob.Commit(got.Digest, expected);
                    Layers.Commit(temp, chains[i], got.UnpackedSize);
                }
                descriptors.Add(new OciDescriptor { MediaType = manifest?.Layers[i].MediaType ?? got.MediaType, Digest = got.Digest, Size = got.BlobSize });
                sizes.Add(got.UnpackedSize);
            }
            catch
            {
                LayerStore.Discard(temp);
                throw;
            }
        }
        manifestBytes ??= OciJson.Serialize(new OciManifest
        {
            Config = new OciDescriptor { MediaType = MediaTypes.Config, Digest = id, Size = configBytes.Length },
            Layers = descriptors,
        });
        lock (gate)
        {
            Content.Write(configBytes, id);
            var manifestDigest = Content.Write(manifestBytes);
            index.Images[id] = new StoredImage
            {
                Manifest = manifestDigest,
                Layers = descriptors.Select(d => d.Digest).ToList(),
                DiffIds = [.. diffIds],
                LayerSizes = sizes,
                Created = config.Created ?? DateTimeOffset.UtcNow,
                LastTagTime = tags.Count > 0 ? DateTimeOffset.UtcNow : null,
            };
            configs[id] = config;
            foreach (var tag in tags)
            {
                index.Tags[ParseTagTarget(tag).ToString()] = id;
            }
            SaveIndex();
        }
        return id;
    }
}
