using Orch.Manager.Security;
using Orch.Security;

namespace Orch.Manager.Tests.Security;

public sealed class JoinTokenTests
{
    private static readonly byte[] CaDer = [0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc3];

    [Fact]
    public void Generate_DockerShape_AndParsesBack()
    {
        var token = JoinToken.Generate(CaDer);
        var text = token.ToString();

        Assert.Matches("^SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}$", text);
        Assert.True(JoinToken.TryParse(text, out var parsed, out var error), error);
        Assert.Equal(token, parsed);
        Assert.True(parsed!.MatchesCa(CaDer));
        Assert.True(token.SecretMatches(parsed));
    }

    [Fact]
    public void Generate_TwoTokens_SameDigestDifferentSecrets()
    {
        var a = JoinToken.Generate(CaDer);
        var b = JoinToken.Generate(CaDer);
        Assert.Equal(a.CaDigest, b.CaDigest);
        Assert.False(a.SecretMatches(b));
    }

    [Fact]
    public void MatchesCa_OtherCertificate_False()
    {
        var token = JoinToken.Generate(CaDer);
        var other = (byte[])CaDer.Clone();
        other[^1] ^= 1;
        Assert.False(token.MatchesCa(other));
    }

    [Theory]
    [InlineData("SWMTKN-2-abc-def", "invalid join token: it must start with SWMTKN-1-")]
    [InlineData("SWMTKN-1-abc-def", "invalid join token: expected SWMTKN-1-<50-character CA digest>-<25-character secret>")]
    [InlineData("SWMTKN-1-0123456789012345678901234567890123456789012345678X-0123456789012345678901234",
        "invalid join token: expected SWMTKN-1-<50-character CA digest>-<25-character secret>")]
    public void TryParse_Malformed_OneLineReason(string text, string expected)
    {
        Assert.False(JoinToken.TryParse(text, out var token, out var error));
        Assert.Null(token);
        Assert.Equal(expected, error);
    }
}
