using System.Diagnostics;

namespace Orch.Engine.Runtime.Cgroups;

/// <summary>Removal and killing shared by both drivers.</summary>
internal static class CgroupDirectories
{
    private static readonly TimeSpan RemoveRetryFor = TimeSpan.FromSeconds(3);

    /// <summary>
    /// rmdir with retries: the kernel refuses (EBUSY) while a killed process is still exiting.
    /// Missing directories are fine (idempotent). After the retries, fails naming the PIDs that remain.
    /// </summary>
    public static void Remove(ICgroupFs fs, IEnumerable<string> dirs)
    {
        foreach (var dir in dirs)
        {
            var sw = Stopwatch.StartNew();
            while (fs.DirectoryExists(dir))
            {
                try
                {
                    fs.RemoveDirectory(dir);
                    break;
                }
                catch (IOException e)
                {
                    if (sw.Elapsed > RemoveRetryFor)
                    {
                        var pids = CgroupFiles.ReadPids(fs, dir);
                        throw new CgroupException(
                            $"cannot remove cgroup {dir}: {e.Message}" + (pids.Count > 0 ? $" (processes still in it: {string.Join(' ', pids)})" : ""), e);
                    }
                    Thread.Sleep(20);
                }
            }
        }
    }

    /// <summary>Removes <paramref name="relative"/> under each base, deepest segment first, stopping at the first that is not empty.</summary>
    public static bool RemoveEmptyChain(ICgroupFs fs, IEnumerable<string> bases, string relative)
    {
        var all = true;
        var segments = relative.Split('/');
        foreach (var b in bases)
        {
            for (var n = segments.Length; n > 0; n--)
            {
                var dir = Path.Combine(b, string.Join('/', segments.Take(n)));
                if (!fs.DirectoryExists(dir))
                {
                    continue;
                }
                try
                {
                    fs.RemoveDirectory(dir);
                }
                catch (IOException)
                {
                    all = false;
                    break;
                }
            }
        }
        return all;
    }

    /// <summary>
    /// Moving a process into a cgroup (v1 or v2) takes the kernel's global cgroup_threadgroup_rwsem for writing,
    /// and a writer waits for an RCU grace period (5–20 ms on these machines) unless another writer held it within
    /// the last one; writers that arrive during a grace period share it. Re-joining our own cgroup is such a
    /// writer and changes nothing, so doing it while the container's rootfs is mounted and its launcher starts
    /// makes the container's real join (AddProcess, milliseconds later) nearly free instead of waiting on its own.
    /// The kernel holds its cgroup mutex during that wait, which blocks mkdir and rmdir in every hierarchy: call
    /// it after the group is made. Best effort: a failure only means the join pays the wait itself.
    /// </summary>
    public static void WarmUpMigration(ICgroupFs fs, string? ownDirectory)
    {
        if (ownDirectory is null)
        {
            return;
        }
        try
        {
            fs.Write(Path.Combine(ownDirectory, "cgroup.procs"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _ = e;
        }
    }

    /// <summary>SIGKILL to each PID; a process that already exited is not an error.</summary>
    public static void KillPids(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            try
            {
                using var p = Process.GetProcessById(pid);
                p.Kill(entireProcessTree: false);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the deadline passes; returns whether it held.</summary>
    public static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(5);
        }
        return true;
    }
}
