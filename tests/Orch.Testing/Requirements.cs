namespace Orch.Testing;

/// <summary>
/// Preconditions that make a test fail loudly, never skip: CI runs as root with every kernel feature,
/// so a missing one is a broken machine, not a reason to pass.
/// </summary>
public static class Requirements
{
    public static void Root()
    {
        if (Environment.UserName != "root" && !IsRootUid())
        {
            throw new InvalidOperationException("this test needs root (containers, mounts, cgroups); run the suite as root");
        }
    }

    private static bool IsRootUid()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                return line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0";
            }
        }
        return false;
    }
}
