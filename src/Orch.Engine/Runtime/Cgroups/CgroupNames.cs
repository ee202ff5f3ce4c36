namespace Orch.Engine.Runtime.Cgroups;

/// <summary>Checks the names the drivers turn into directories: relative, no "..", no empty segment.</summary>
internal static class CgroupNames
{
    /// <summary>Returns the name without surrounding slashes; throws on anything that could escape the parent.</summary>
    public static string Check(string name, string what)
    {
        var trimmed = name.Trim('/');
        if (trimmed.Length == 0)
        {
            throw new CgroupException($"cgroup {what} must not be empty");
        }
        foreach (var segment in trimmed.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                throw new CgroupException($"invalid cgroup {what} \"{name}\": empty, \".\" or \"..\" segment");
            }
        }
        return trimmed;
    }
}
