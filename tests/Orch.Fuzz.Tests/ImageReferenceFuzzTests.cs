using Orch.Engine.Images;

namespace Orch.Fuzz.Tests;

/// <summary>Image references: only InvalidReferenceException, naming the problem; format(parse(x)) parses to the same reference.</summary>
public sealed class ImageReferenceFuzzTests
{
    private static readonly string Hex = new('a', 64);

    private static readonly Gen<string> References = Fuzz.Pieces(
        "busybox", "library", "a", "b-c", "a__b", "a_b", "a.b", "a--b", "UP", "0", "/", "/", ":", ":", "@", "@sha256:" + Hex,
        "sha256:", Hex, "localhost", "localhost:5000", "docker.io", "index.docker.io", "registry.example.com", "[::1]",
        "[::1]:5000", "-", ".", "..", "_", "latest", "v1.2", "-x", "é", " ", new string('x', 130));

    [Fact]
    public void Parse_AnyText_ReferenceOrNamedError() =>
        Fuzz.Run(References, s =>
        {
            var e = Fuzz.Expect<InvalidReferenceException>(() => ImageReference.Parse(s));
            if (e is not null)
            {
                Assert.Matches("^invalid (reference format|repository name)", e.Message);
                Assert.False(ImageReference.TryParse(s, out _));
            }
        }, Fuzz.Show);

    [Fact]
    public void Parse_Accepted_FormatParsesToTheSameReference() =>
        Fuzz.Run(References, s =>
        {
            if (!ImageReference.TryParse(s, out var r))
            {
                return;
            }
            Assert.Equal(r, ImageReference.Parse(r!.ToString()));
            // As in distribution/reference: "docker.io/<64 hex>" is a name, but its familiar form is an image ID
            // (found by this property, seed 42AZ5TyH5e43); every other familiar form parses back.
            if (!(r.FamiliarRepository.Length == 64 && Digest.IsHex(r.FamiliarRepository)))
            {
                Assert.Equal(r, ImageReference.Parse(r.Familiar));
            }
            Assert.Equal(r.ToString(), ImageReference.Parse(r.ToString()).ToString());
        }, Fuzz.Show);

    /// <summary>
    /// Found by Parse_Accepted (seed comDcM9plpD1): the 255-character limit was checked on the text as typed, so a
    /// 250-character "name" was accepted but its normalised form "docker.io/library/name" (what ToString writes) was not.
    /// </summary>
    [Fact]
    public void Parse_NameLongOnlyOnceNormalised_Refused()
    {
        var name = new string('a', 250);
        var e = Assert.Throws<InvalidReferenceException>(() => ImageReference.Parse(name));
        Assert.Equal("invalid reference format: repository name must not be more than 255 characters", e.Message);
        var longest = new string('a', 255 - "docker.io/library/".Length);
        Assert.Equal("docker.io/library/" + longest, ImageReference.Parse(longest).Repository);
    }
}
