using System.Text;
using Orch.Engine.Images;
using Orch.Engine.Images.Oci;

namespace Orch.Fuzz.Tests;

/// <summary>OCI manifests, image configs and indexes from a registry or an archive: InvalidDataException naming the problem, or a document whose digests are all valid.</summary>
public sealed class OciFuzzTests
{
    private static readonly string D = Digest.Of("x"u8);

    private static readonly Gen<string> Json = Fuzz.Pieces(
        "{", "}", "[", "]", ",", ":", "\"", "null", "1", "-1", "true", "\"schemaVersion\":", "2", "\"config\":", "\"layers\":",
        "\"digest\":", "\"size\":", "\"mediaType\":", $"\"{D}\"", "\"sha256:zz\"", "\"../../etc\"", "\"manifests\":",
        "\"platform\":", "{\"os\":\"linux\",\"architecture\":\"amd64\"}", "\"rootfs\":", "\"diff_ids\":", "\"a\"", " ");

    private static readonly Gen<string> Shaped = Gen.OneOf(
        Json,
        Gen.Select(Json, Json, (a, b) => $"{{\"schemaVersion\":2,\"config\":{a},\"layers\":[{b}]}}"),
        Gen.Select(Json, Json, (a, b) => $"{{\"manifests\":[{{\"platform\":{a},\"digest\":{b}}}]}}"),
        Gen.Select(Json, (a) => $"{{\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{a}]}}}}"));

    [Fact]
    public void ParseManifest_AnyBytes_ValidManifestOrInvalidData() =>
        Fuzz.Run(Shaped, s =>
        {
            OciManifest? m = null;
            var e = Fuzz.Expect<InvalidDataException>(() => m = OciJson.ParseManifest(Encoding.UTF8.GetBytes(s)));
            if (e is not null)
            {
                Assert.StartsWith("invalid image manifest", e.Message, StringComparison.Ordinal);
                return;
            }
            Assert.True(Digest.IsValid(m!.Config.Digest));
            Assert.All(m.Layers, l => Assert.True(Digest.IsValid(l.Digest) && l.Size >= 0));
        }, Fuzz.Show);

    [Fact]
    public void ParseImage_AnyBytes_ValidDiffIdsOrInvalidData() =>
        Fuzz.Run(Shaped, s =>
        {
            OciImage? c = null;
            var e = Fuzz.Expect<InvalidDataException>(() => c = OciJson.ParseImage(Encoding.UTF8.GetBytes(s)));
            if (e is not null)
            {
                Assert.StartsWith("invalid image config", e.Message, StringComparison.Ordinal);
                return;
            }
            Assert.All(c!.RootFs.DiffIds, d => Assert.True(Digest.IsValid(d)));
        }, Fuzz.Show);

    [Fact]
    public void Index_AnyBytes_DigestOrNoMatchOrInvalidData() =>
        Fuzz.Run(Shaped, s =>
        {
            var body = Encoding.UTF8.GetBytes(s);
            if (!OciIndex.IsIndex(body, null))
            {
                return;
            }
            string? digest = null;
            var e = Fuzz.Expect<InvalidDataException>(() => digest = OciIndex.SelectPlatform(body, "amd64"));
            if (e is not null)
            {
                Assert.StartsWith("invalid image index", e.Message, StringComparison.Ordinal);
                return;
            }
            Assert.True(digest is null || Digest.IsValid(digest));
        }, Fuzz.Show);

    /// <summary>
    /// Found while writing these targets: JSON errors escaped as JsonException, a null config or layers list became
    /// a NullReferenceException later in pull, and a descriptor digest such as "../../x" reached a registry URL.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"config\":null,\"layers\":[]}")]
    [InlineData("{\"config\":{\"digest\":\"../../etc\"},\"layers\":[]}")]
    [InlineData("{\"config\":{\"digest\":\"D\"},\"layers\":null}")]
    [InlineData("{\"config\":{\"digest\":\"D\"},\"layers\":[{\"digest\":\"sha256:zz\"}]}")]
    [InlineData("{\"config\":{\"digest\":\"D\",\"size\":-1},\"layers\":[]}")]
    public void ParseManifest_Malformed_InvalidData(string json)
    {
        var e = Assert.Throws<InvalidDataException>(() => OciJson.ParseManifest(Encoding.UTF8.GetBytes(json.Replace("\"D\"", $"\"{D}\"", StringComparison.Ordinal))));
        Assert.StartsWith("invalid image manifest", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Found while writing these targets: each of these threw InvalidOperationException, KeyNotFoundException or JsonException in pull.</summary>
    [Theory]
    [InlineData("[]")]
    [InlineData("not json")]
    [InlineData("{\"manifests\":1}")]
    [InlineData("{\"manifests\":[{\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}")]
    [InlineData("{\"manifests\":[{\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"},\"digest\":\"../x\"}]}")]
    public void SelectPlatform_Malformed_InvalidData(string json)
    {
        var e = Assert.Throws<InvalidDataException>(() => OciIndex.SelectPlatform(Encoding.UTF8.GetBytes(json), "amd64"));
        Assert.StartsWith("invalid image index", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"manifests\":[1, {\"platform\":\"linux\"}, {\"platform\":{\"os\":1}}]}")]
    [InlineData("{\"manifests\":[{\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"},\"digest\":\"D\"}]}")]
    public void SelectPlatform_NoEntryForThisMachine_Null(string json) =>
        Assert.Null(OciIndex.SelectPlatform(Encoding.UTF8.GetBytes(json.Replace("\"D\"", $"\"{D}\"", StringComparison.Ordinal)), "amd64"));

    [Fact]
    public void SelectPlatform_Match_ItsDigest() =>
        Assert.Equal(D, OciIndex.SelectPlatform(Encoding.UTF8.GetBytes($"{{\"manifests\":[{{\"platform\":{{\"os\":\"linux\",\"architecture\":\"amd64\"}},\"digest\":\"{D}\"}}]}}"), "amd64"));

    [Fact]
    public void Manifest_Generated_SerializeParseRoundTrips()
    {
        var descriptor = Gen.Select(Gen.Byte.Array[0, 8], Gen.Long[0, long.MaxValue], (b, size) =>
            new OciDescriptor { MediaType = MediaTypes.Layer, Digest = Digest.Of(b), Size = size });
        Fuzz.Run(Gen.Select(descriptor, descriptor.Array[0, 5]), x =>
        {
            var m = new OciManifest { Config = x.Item1, Layers = [.. x.Item2] };
            var bytes = OciJson.Serialize(m);
            Assert.Equal(bytes, OciJson.Serialize(OciJson.ParseManifest(bytes)));
        });
    }
}
