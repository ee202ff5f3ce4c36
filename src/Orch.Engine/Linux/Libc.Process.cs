using System.Runtime.InteropServices;

namespace Orch.Engine.Linux;

/// <summary>Signals and process identity for the runtime.</summary>
internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int sig);

    /// <summary>kill(2); false when the process is gone (ESRCH).</summary>
    public static bool Kill(int pid, int signal) => pid > 0 && KillRaw(pid, signal) == 0;

    /// <summary>
    /// Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), or null when it
    /// does not exist. Together with the pid it names a process uniquely, surviving pid reuse.
    /// </summary>
    public static long? ProcessStartTime(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // comm (field 2) may hold spaces and parentheses: fields after it start past the last ')'.
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // rest[0] is field 3 (state); start time is field 22.
        return rest.Length > 19 && long.TryParse(rest[19], out var t) ? t : null;
    }
}
