namespace Orch.Testing;

/// <summary>Finds what a daemon or test left on the machine: mounts, cgroups, interfaces.</summary>
public static class LeakCheck
{
    /// <summary>Mount points at or below <paramref name="root"/>, from /proc/self/mountinfo.</summary>
    public static List<string> MountsBelow(string root)
    {
        var result = new List<string>();
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            var mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
            if (mountPoint == root || mountPoint.StartsWith(root + "/", StringComparison.Ordinal))
            {
                result.Add(mountPoint);
            }
        }
        return result;
    }

    /// <summary>Last-resort cleanup so one failed test does not poison the machine; the test itself reports the leak.</summary>
    public static void UnmountBelow(string root)
    {
        foreach (var m in MountsBelow(root).OrderByDescending(m => m.Length))
        {
            _ = Umount2(m, 2 /* MNT_DETACH */);
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "umount2", SetLastError = true)]
    private static extern int Umount2(string target, int flags);
}
