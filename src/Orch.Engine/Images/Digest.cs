using System.Security.Cryptography;
using System.Text;

namespace Orch.Engine.Images;

/// <summary>sha256 digests in their OCI string form (<c>sha256:&lt;64 lowercase hex&gt;</c>) and chain IDs.</summary>
public static class Digest
{
    public const string Prefix = "sha256:";

    public static string Of(ReadOnlySpan<byte> data) => Prefix + Convert.ToHexStringLower(SHA256.HashData(data));

    public static string FromHash(byte[] hash) => Prefix + Convert.ToHexStringLower(hash);

    /// <summary>True for <c>sha256:</c> followed by exactly 64 lowercase hex digits.</summary>
    public static bool IsValid(string? digest) =>
        digest is { Length: 71 } && digest.StartsWith(Prefix, StringComparison.Ordinal) && IsHex(digest.AsSpan(Prefix.Length));

    /// <summary>The hex part; throws on anything that is not a valid sha256 digest (it becomes a file name).</summary>
    public static string Hex(string digest) =>
        IsValid(digest) ? digest[Prefix.Length..] : throw new FormatException($"invalid digest {digest}");

    public static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// OCI chain IDs: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
    /// A chain ID names a layer together with everything below it, so equal chain IDs are interchangeable snapshots.
    /// </summary>
    public static IReadOnlyList<string> ChainIds(IReadOnlyList<string> diffIds)
    {
        var result = new List<string>(diffIds.Count);
        string? parent = null;
        foreach (var diff in diffIds)
        {
            parent = parent is null ? diff : Of(Encoding.ASCII.GetBytes(parent + " " + diff));
            result.Add(parent);
        }
        return result;
    }

    /// <summary>The 12-character short form Docker prints, of a digest or of a bare hex ID.</summary>
    public static string Short(string digest)
    {
        var hex = digest.StartsWith(Prefix, StringComparison.Ordinal) ? digest[Prefix.Length..] : digest;
        return hex[..Math.Min(12, hex.Length)];
    }
}
