using System.Text.Json.Serialization;

namespace Orch.Engine.Images.Oci;

/// <summary>A content descriptor: what a manifest says about a blob it refers to.</summary>
internal sealed class OciDescriptor
{
    [JsonPropertyName("mediaType")] public string MediaType { get; set; } = "";
    [JsonPropertyName("digest")] public string Digest { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>OCI image manifest (image-spec manifest.md).</summary>
internal sealed class OciManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = 2;
    [JsonPropertyName("mediaType")] public string MediaType { get; set; } = MediaTypes.Manifest;
    [JsonPropertyName("config")] public OciDescriptor Config { get; set; } = new();
    [JsonPropertyName("layers")] public List<OciDescriptor> Layers { get; set; } = [];
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
}
