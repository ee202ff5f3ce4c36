using System.Security.Cryptography;
using System.Text;

namespace Orch.Security;

/// <summary>
/// A join token, as Docker's: <c>SWMTKN-1-&lt;CA digest&gt;-&lt;secret&gt;</c>. The digest (SHA-256
/// of the root CA certificate, 50 base-36 digits) lets a joining node check the CA it is shown
/// before it sends anything secret; the secret (128 random bits, 25 base-36 digits) proves it may
/// join, and its role (worker or manager) is the token's.
/// </summary>
public sealed record JoinToken(string CaDigest, string Secret)
{
    public const string Prefix = "SWMTKN-1-";
    private const int DigestLength = 50;
    private const int SecretLength = 25;

    public static JoinToken Generate(ReadOnlySpan<byte> caCertificateDer) =>
        new(DigestOf(caCertificateDer), Base36.Encode(RandomNumberGenerator.GetBytes(16), SecretLength));

    /// <summary>The base-36 SHA-256 digest of a CA certificate (DER), as carried in tokens.</summary>
    public static string DigestOf(ReadOnlySpan<byte> caCertificateDer) => Base36.Encode(SHA256.HashData(caCertificateDer), DigestLength);

    /// <summary>Parses a token; on failure <paramref name="error"/> is the one line to show.</summary>
    public static bool TryParse(string text, out JoinToken? token, out string error)
    {
        token = null;
        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = "invalid join token: it must start with SWMTKN-1-";
            return false;
        }
        var parts = text[Prefix.Length..].Split('-');
        if (parts.Length != 2 || parts[0].Length != DigestLength || parts[1].Length != SecretLength
            || !Base36.IsValid(parts[0]) || !Base36.IsValid(parts[1]))
        {
            error = "invalid join token: expected SWMTKN-1-<50-character CA digest>-<25-character secret>";
            return false;
        }
        token = new JoinToken(parts[0], parts[1]);
        error = "";
        return true;
    }

    /// <summary>True when the CA certificate shown by a manager is the one this token was made for.</summary>
    public bool MatchesCa(ReadOnlySpan<byte> caCertificateDer) => FixedTimeEquals(CaDigest, DigestOf(caCertificateDer));

    /// <summary>Compares secrets in constant time (a timing difference would leak the secret).</summary>
    public bool SecretMatches(JoinToken presented) => FixedTimeEquals(Secret, presented.Secret);

    public override string ToString() => $"{Prefix}{CaDigest}-{Secret}";

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));
}
