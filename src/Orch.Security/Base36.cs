using System.Numerics;

namespace Orch.Security;

/// <summary>Unsigned big-endian bytes as lower-case base 36, left-padded with '0' to a fixed width (Docker's token alphabet).</summary>
internal static class Base36
{
    private const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";

    public static string Encode(ReadOnlySpan<byte> bigEndian, int width)
    {
        var value = new BigInteger(bigEndian, isUnsigned: true, isBigEndian: true);
        var chars = new char[width];
        for (var i = width - 1; i >= 0; i--)
        {
            value = BigInteger.DivRem(value, 36, out var digit);
            chars[i] = Digits[(int)digit];
        }
        if (!value.IsZero)
        {
            throw new ArgumentException($"value does not fit in {width} base-36 digits", nameof(width));
        }
        return new string(chars);
    }

    public static bool IsValid(string text) => text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'z');
}
