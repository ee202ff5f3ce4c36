using Orch.Security;

namespace Orch.Fuzz.Tests;

/// <summary>Join tokens: TryParse never throws, says what is wrong, and accepts exactly what ToString writes.</summary>
public sealed class JoinTokenFuzzTests
{
    private static readonly Gen<string> Base36 = Gen.Char["0123456789abcdefghijklmnopqrstuvwxyz"].Array[0, 60].Select(c => new string(c));

    private static readonly Gen<string> Tokens = Gen.OneOf(
        Fuzz.Pieces("SWMTKN-1-", "SWMTKN-2-", "-", "--", new string('a', 50), new string('0', 25), "Z", " ", "\n", "é"),
        Gen.Select(Base36, Base36, (d, s) => $"SWMTKN-1-{d}-{s}"));

    [Fact]
    public void TryParse_AnyText_TokenOrError() =>
        Fuzz.Run(Tokens, s =>
        {
            var ok = JoinToken.TryParse(s, out var token, out var error);
            if (ok)
            {
                Assert.Equal(s, token!.ToString());
                Assert.Equal("", error);
            }
            else
            {
                Assert.Null(token);
                Assert.StartsWith("invalid join token: ", error, StringComparison.Ordinal);
            }
        }, Fuzz.Show);

    [Fact]
    public void Generate_AnyCa_RoundTrips() =>
        Fuzz.Run(Gen.Byte.Array[1, 64], der =>
        {
            var token = JoinToken.Generate(der);
            Assert.True(JoinToken.TryParse(token.ToString(), out var back, out _));
            Assert.Equal(token, back);
            Assert.True(back!.MatchesCa(der));
        });
}
