namespace Orch.Engine.Runtime.Cgroups;

/// <summary>Reading and writing interface files, with errors that name the file and the value.</summary>
internal static class CgroupFiles
{
    /// <summary>The kernel's "no limit" in v1 (PAGE_COUNTER_MAX pages) is above any real memory size.</summary>
    public static void Write(ICgroupFs fs, string dir, string file, string value)
    {
        var path = Path.Combine(dir, file);
        try
        {
            fs.Write(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"cannot write \"{value}\" to {path}: {e.Message}", e);
        }
    }

    public static string Read(ICgroupFs fs, string dir, string file)
    {
        var path = Path.Combine(dir, file);
        try
        {
            return fs.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>A file holding one number ("max" reads as ulong.MaxValue).</summary>
    public static ulong ReadNumber(ICgroupFs fs, string dir, string file)
    {
        var text = Read(fs, dir, file).Trim();
        if (text == "max")
        {
            return ulong.MaxValue;
        }
        return ulong.TryParse(text, out var v) ? v : throw new CgroupException($"unexpected content \"{text}\" in {Path.Combine(dir, file)}");
    }

    /// <summary>Flat keyed files ("key value" per line: memory.stat, cpu.stat, memory.events, memory.oom_control).</summary>
    public static ulong ReadKey(ICgroupFs fs, string dir, string file, string key)
    {
        foreach (var line in Read(fs, dir, file).Split('\n'))
        {
            var sp = line.IndexOf(' ', StringComparison.Ordinal);
            if (sp > 0 && line.AsSpan(0, sp).SequenceEqual(key) && ulong.TryParse(line.AsSpan(sp + 1).Trim(), out var v))
            {
                return v;
            }
        }
        return 0;
    }

    /// <summary>cgroup.procs: one PID per line.</summary>
    public static List<int> ReadPids(ICgroupFs fs, string dir)
    {
        var path = Path.Combine(dir, "cgroup.procs");
        if (!fs.FileExists(path))
        {
            return [];
        }
        var pids = new List<int>();
        foreach (var line in Read(fs, dir, "cgroup.procs").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, out var pid))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    /// <summary>The host's memory (MemTotal of /proc/meminfo), shown as the limit of an unlimited group, as `docker stats` does.</summary>
    public static ulong HostMemory()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                var kb = line["MemTotal:".Length..].Trim().Split(' ')[0];
                return ulong.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return ulong.MaxValue;
    }
}
