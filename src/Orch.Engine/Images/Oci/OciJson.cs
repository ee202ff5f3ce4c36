using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orch.Engine.Images.Oci;

/// <summary>Source-generated (reflection-free) JSON for the OCI documents and the image index.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(OciManifest))]
[JsonSerializable(typeof(OciImage))]
[JsonSerializable(typeof(ImageIndexFile))]
internal sealed partial class OciJson : JsonSerializerContext
{
    public static byte[] Serialize(OciManifest m) => JsonSerializer.SerializeToUtf8Bytes(m, Default.OciManifest);

    public static byte[] Serialize(OciImage c) => JsonSerializer.SerializeToUtf8Bytes(c, Default.OciImage);

    public static OciManifest ParseManifest(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, Default.OciManifest) ?? throw new InvalidDataException("empty manifest");

    public static OciImage ParseImage(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, Default.OciImage) ?? throw new InvalidDataException("empty image config");
}
