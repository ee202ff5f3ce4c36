using System.Text.Json;

namespace Orch.Engine.Images.Oci;

/// <summary>
/// An OCI image index or Docker manifest list as a registry serves it: whether a body is one, and which
/// manifest in it is for linux on this architecture. The body is untrusted: any shape is answered with
/// <see cref="InvalidDataException"/> (or "no match"), never with a JSON API exception.
/// </summary>
internal static class OciIndex
{
    /// <summary>True for the index media types, or an unlabelled JSON object with a "manifests" member; never throws.</summary>
    public static bool IsIndex(ReadOnlySpan<byte> body, string? mediaType)
    {
        if (mediaType is MediaTypes.Index or MediaTypes.DockerManifestList)
        {
            return true;
        }
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("manifests", out _);
        }
        catch (JsonException)
        {
            return false; // not JSON: the manifest parser says so
        }
    }

    /// <summary>The digest of the first manifest for linux/<paramref name="arch"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">Not an index, or the matching entry has no valid digest.</exception>
    public static string? SelectPlatform(ReadOnlySpan<byte> body, string arch)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(body);
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"invalid image index: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException("invalid image index: no \"manifests\" list");
            }
            foreach (var m in manifests.EnumerateArray())
            {
                if (m.ValueKind == JsonValueKind.Object
                    && m.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.Object
                    && String(p, "os") == "linux" && String(p, "architecture") == arch)
                {
                    var digest = String(m, "digest");
                    return Digest.IsValid(digest) ? digest
                        : throw new InvalidDataException($"invalid image index: invalid digest \"{digest}\" for linux/{arch} (expected sha256:<64 hex digits>)");
                }
            }
            return null;
        }
    }

    private static string? String(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
