using System.Security.Cryptography;
using Orch.Manager.Security;

namespace Orch.Manager.Orchestration;

/// <summary>Random object ids: 25 base-36 characters (128 bits), as Swarm's.</summary>
internal static class ServiceIds
{
    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base36.Encode(bytes, 25);
    }
}
