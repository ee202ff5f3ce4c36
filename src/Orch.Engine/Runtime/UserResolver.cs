using System.Globalization;

namespace Orch.Engine.Runtime;

/// <summary>uid, gid and supplementary groups of a process, as setgroups/setgid/setuid take them.</summary>
internal sealed record ProcessUser(uint Uid, uint Gid, IReadOnlyList<uint> Groups);

/// <summary>
/// Resolves Docker's -u USER[:GROUP] (names or numbers) against the container's own /etc/passwd and
/// /etc/group, never the host's. Pure over the two files' text so it is unit-tested.
/// </summary>
internal static class UserResolver
{
    public static ProcessUser Resolve(string rootfs, string user)
    {
        var passwd = ReadOrEmpty(Path.Combine(rootfs, "etc/passwd"));
        var group = ReadOrEmpty(Path.Combine(rootfs, "etc/group"));
        return Resolve(user, passwd, group);
    }

    public static ProcessUser Resolve(string spec, string passwdText, string groupText)
    {
        var (userPart, groupPart) = spec.IndexOf(':') is var i and >= 0 ? (spec[..i], spec[(i + 1)..]) : (spec, (string?)null);
        if (userPart.Length == 0)
        {
            userPart = "0";
        }
        var passwd = Parse(passwdText);
        var groups = Parse(groupText);
        uint uid;
        uint gid = 0;
        string? name = null;
        if (uint.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            var entry = passwd.FirstOrDefault(p => p.Length >= 4 && p[2] == userPart);
            if (entry is not null)
            {
                name = entry[0];
                gid = uint.Parse(entry[3], CultureInfo.InvariantCulture);
            }
        }
        else
        {
            var entry = passwd.FirstOrDefault(p => p.Length >= 4 && p[0] == userPart)
                ?? throw new RuntimeException(RuntimeError.InvalidArgument, $"unable to find user {userPart}: no matching entries in passwd file");
            name = entry[0];
            uid = uint.Parse(entry[2], CultureInfo.InvariantCulture);
            gid = uint.Parse(entry[3], CultureInfo.InvariantCulture);
        }
        if (groupPart is { Length: > 0 })
        {
            if (!uint.TryParse(groupPart, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                var g = groups.FirstOrDefault(x => x.Length >= 3 && x[0] == groupPart)
                    ?? throw new RuntimeException(RuntimeError.InvalidArgument, $"unable to find group {groupPart}: no matching entries in group file");
                gid = uint.Parse(g[2], CultureInfo.InvariantCulture);
            }
        }
        var supplementary = new List<uint>();
        if (name is not null && groupPart is null)
        {
            foreach (var g in groups)
            {
                if (g.Length >= 4 && g[3].Split(',').Contains(name) && uint.TryParse(g[2], NumberStyles.None, CultureInfo.InvariantCulture, out var extra)
                    && extra != gid && !supplementary.Contains(extra))
                {
                    supplementary.Add(extra);
                }
            }
        }
        return new ProcessUser(uid, gid, supplementary);
    }

    private static List<string[]> Parse(string text) =>
        [.. text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(':'))];

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
