using System.Formats.Tar;
using System.Text;
using System.Text.Json.Nodes;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Images;

public sealed partial class ImageStore
{
    /// <summary>
    /// `orch save`: one tar that is both an OCI image layout (oci-layout, index.json, blobs/sha256/…) and a
    /// `docker save` archive (manifest.json naming the same blobs), as Docker 25+ writes it. Blobs are
    /// written as stored, so the manifest and config digests survive a save/load round trip.
    /// </summary>
    public async Task SaveAsync(IReadOnlyList<string> references, Stream output, CancellationToken ct)
    {
        var images = new List<(string Id, StoredImage Image, List<string> Names, byte[] Manifest)>();
        lock (gate)
        {
            foreach (var reference in references)
            {
                var id = Resolve(reference, out var byName);
                var names = byName ? [ImageReference.Parse(reference).WithDefaultTag().Familiar] : TagsOf(id);
                if (images.FindIndex(i => i.Id == id) is var existing and >= 0)
                {
                    images[existing].Names.AddRange(names.Except(images[existing].Names));
                    continue;
                }
                images.Add((id, index.Images[id], names, Content.Read(index.Images[id].Manifest)));
            }
        }
        await using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await WriteFileAsync(tar, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray(), ct);
        var written = new HashSet<string>(StringComparer.Ordinal);
        var ociIndex = new JsonArray();
        var dockerManifest = new JsonArray();
        foreach (var (id, image, names, manifestBytes) in images)
        {
            foreach (var blob in image.Layers.Append(id).Append(image.Manifest))
            {
                if (written.Add(blob))
                {
                    await tar.WriteEntryAsync(Content.PathOf(blob), "blobs/sha256/" + Digest.Hex(blob), ct);
                }
            }
            var descriptors = names.Count == 0 ? [(string?)null] : names.Select(n => (string?)n).ToList();
            foreach (var name in descriptors)
            {
                var d = new JsonObject { ["mediaType"] = MediaTypes.Manifest, ["digest"] = image.Manifest, ["size"] = manifestBytes.Length };
                if (name is not null)
                {
                    var full = ImageReference.Parse(name);
                    d["annotations"] = new JsonObject { ["io.containerd.image.name"] = full.ToString(), ["org.opencontainers.image.ref.name"] = full.Tag };
                }
                // As JsonNode: JsonArray.Add<T> would serialize through reflection (orchd is NativeAOT).
                ociIndex.Add((JsonNode)d);
            }
            dockerManifest.Add((JsonNode)new JsonObject
            {
                ["Config"] = "blobs/sha256/" + Digest.Hex(id),
                ["RepoTags"] = new JsonArray(names.Select(n => (JsonNode?)n).ToArray()),
                ["Layers"] = new JsonArray(image.Layers.Select(l => (JsonNode?)("blobs/sha256/" + Digest.Hex(l))).ToArray()),
            });
        }
        var indexJson = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.Index, ["manifests"] = ociIndex };
        await WriteFileAsync(tar, "index.json", Encoding.UTF8.GetBytes(indexJson.ToJsonString()), ct);
        await WriteFileAsync(tar, "manifest.json", Encoding.UTF8.GetBytes(dockerManifest.ToJsonString()), ct);
    }

    private static async Task WriteFileAsync(TarWriter tar, string name, byte[] data, CancellationToken ct)
    {
        var e = new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = new MemoryStream(data),
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ModificationTime = DateTimeOffset.UnixEpoch,
        };
        await tar.WriteEntryAsync(e, ct);
    }
}
