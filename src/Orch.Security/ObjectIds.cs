using System.Security.Cryptography;

namespace Orch.Security;

/// <summary>Ids of cluster objects as Docker makes them: 25 random base-36 characters (128 bits).</summary>
public static class ObjectIds
{
    public static string New() => Base36.Encode(RandomNumberGenerator.GetBytes(16), 25);
}
