using System.Text.Json.Serialization;

namespace Orch.Engine.Images;

/// <summary>
/// data-root/images/repositories.json: which images exist and which names point at them. Rewritten whole,
/// atomically, on every change; everything else about an image lives in content-addressed blobs.
/// </summary>
internal sealed class ImageIndexFile
{
    /// <summary>Image ID (config digest) → what the store needs without reading blobs.</summary>
    [JsonPropertyName("images")] public Dictionary<string, StoredImage> Images { get; set; } = [];

    /// <summary>Fully qualified "domain/path:tag" → image ID.</summary>
    [JsonPropertyName("tags")] public Dictionary<string, string> Tags { get; set; } = [];

    /// <summary>Fully qualified "domain/path@sha256:…" (manifest digest, from pulls) → image ID.</summary>
    [JsonPropertyName("digests")] public Dictionary<string, string> Digests { get; set; } = [];
}

internal sealed class StoredImage
{
    [JsonPropertyName("manifest")] public string Manifest { get; set; } = "";
    /// <summary>Layer blob digests, base first.</summary>
    [JsonPropertyName("layers")] public List<string> Layers { get; set; } = [];
    [JsonPropertyName("diff_ids")] public List<string> DiffIds { get; set; } = [];
    /// <summary>Unpacked size of each layer.</summary>
    [JsonPropertyName("layer_sizes")] public List<long> LayerSizes { get; set; } = [];
    [JsonPropertyName("created")] public DateTimeOffset Created { get; set; }
    [JsonPropertyName("last_tag_time")] public DateTimeOffset? LastTagTime { get; set; }

    [JsonIgnore] public long Size => LayerSizes.Sum();

    [JsonIgnore] public IReadOnlyList<string> ChainIds => Digest.ChainIds(DiffIds);
}
