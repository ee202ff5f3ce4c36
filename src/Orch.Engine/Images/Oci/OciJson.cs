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

    /// <summary>
    /// A manifest from a registry, an archive or the store, checked before anything uses it: well-formed JSON,
    /// a config descriptor and a layers list, every digest <c>sha256:&lt;64 hex&gt;</c> (a digest becomes a URL
    /// path and a file name) and no negative size.
    /// </summary>
    /// <exception cref="InvalidDataException">Anything else; the message says what is wrong.</exception>
    public static OciManifest ParseManifest(ReadOnlySpan<byte> json)
    {
        var m = Deserialize(json, Default.OciManifest, "image manifest");
        Check(m.Config, "image manifest: config");
        if (m.Layers is null)
        {
            throw new InvalidDataException("invalid image manifest: no \"layers\" list");
        }
        foreach (var layer in m.Layers)
        {
            Check(layer, "image manifest: layer");
        }
        return m;
    }

    /// <summary>An image configuration, with its rootfs.diff_ids checked (each names a layer's content).</summary>
    /// <exception cref="InvalidDataException">Not JSON, not an object, or a missing or invalid diff ID.</exception>
    public static OciImage ParseImage(ReadOnlySpan<byte> json)
    {
        var c = Deserialize(json, Default.OciImage, "image config");
        if (c.RootFs?.DiffIds is not { } diffIds)
        {
            throw new InvalidDataException("invalid image config: no rootfs.diff_ids");
        }
        foreach (var d in diffIds)
        {
            if (!Digest.IsValid(d))
            {
                throw new InvalidDataException($"invalid image config: invalid diff ID \"{d}\" (expected sha256:<64 hex digits>)");
            }
        }
        return c;
    }

    private static T Deserialize<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string what)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new InvalidDataException($"invalid {what}: empty (null)");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"invalid {what}: {e.Message}", e);
        }
    }

    private static void Check(OciDescriptor? d, string what)
    {
        if (d is null)
        {
            throw new InvalidDataException($"invalid {what} descriptor missing");
        }
        if (!Digest.IsValid(d.Digest))
        {
            throw new InvalidDataException($"invalid {what} digest \"{d.Digest}\" (expected sha256:<64 hex digits>)");
        }
        if (d.Size < 0)
        {
            throw new InvalidDataException($"invalid {what} size {d.Size}");
        }
    }
}
