using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Orch.Engine.Volumes;

/// <summary>Names of local volumes: Docker's rule, and random names for anonymous volumes.</summary>
internal static partial class VolumeNames
{
    /// <summary>Docker's local driver rule; also keeps names safe as a single path segment.</summary>
    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex Valid();

    public static void Check(string name)
    {
        if (!Valid().IsMatch(name))
        {
            throw new VolumeException(VolumeError.Invalid,
                $"create {name}: \"{name}\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path");
        }
    }

    /// <summary>64 hex characters, as Docker's anonymous volumes.</summary>
    public static string Anonymous() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
}
