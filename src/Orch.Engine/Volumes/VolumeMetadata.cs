using System.Text.Json.Serialization;

namespace Orch.Engine.Volumes;

/// <summary>What volumes/NAME/volume.json holds; the mount point follows from where the file is.</summary>
internal sealed record VolumeMetadata(string Name, DateTimeOffset Created, Dictionary<string, string> Labels, bool Anonymous);

[JsonSerializable(typeof(VolumeMetadata))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class VolumeJsonContext : JsonSerializerContext;
