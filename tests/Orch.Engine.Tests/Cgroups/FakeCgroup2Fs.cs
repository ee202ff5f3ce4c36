using Orch.Engine.Runtime.Cgroups;

namespace Orch.Engine.Tests.Cgroups;

/// <summary>
/// A cgroup2-shaped directory tree that behaves as the kernel does where the v2 driver relies on it:
/// mkdir creates the core interface files plus those of each controller the parent enabled in its
/// cgroup.subtree_control; writes go only to existing files; "+ctrl" in subtree_control needs ctrl in
/// the group's own cgroup.controllers and (except at the root) no process in the group; rmdir fails
/// while the group has processes or children, and takes the interface files with it.
/// Tests play the kernel's other half by writing counters (memory.current, memory.events, …) themselves.
/// </summary>
internal sealed class FakeCgroup2Fs : ICgroupFs, IDisposable
{
    public FakeCgroup2Fs(params string[] rootControllers)
    {
        Root = Path.Combine(Path.GetTempPath(), "fake-cgroup2-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Root);
        File.WriteAllText(Path.Combine(Root, "cgroup.controllers"), string.Join(' ', rootControllers) + "\n");
        File.WriteAllText(Path.Combine(Root, "cgroup.subtree_control"), "\n");
        File.WriteAllText(Path.Combine(Root, "cgroup.procs"), "");
    }

    public string Root { get; }

    /// <summary>Every write, in order: (path relative to the root, value).</summary>
    public List<(string File, string Value)> Writes { get; } = [];

    /// <summary>Whether groups get cgroup.kill (Linux 5.14+).</summary>
    public bool HasCgroupKill { get; init; } = true;

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public bool FileExists(string path) => File.Exists(path);

    public void CreateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }
        var parent = Path.GetDirectoryName(path)!;
        CreateDirectory(parent);
        Directory.CreateDirectory(path);
        var enabled = Read(Path.Combine(parent, "cgroup.subtree_control")).Trim();
        void Put(string file, string content) => File.WriteAllText(Path.Combine(path, file), content);
        Put("cgroup.controllers", enabled + "\n");
        Put("cgroup.subtree_control", "\n");
        Put("cgroup.procs", "");
        Put("cgroup.events", "populated 0\nfrozen 0\n");
        Put("cgroup.freeze", "0\n");
        if (HasCgroupKill)
        {
            Put("cgroup.kill", "");
        }
        foreach (var c in enabled.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (c)
            {
                case "memory":
                    Put("memory.max", "max\n");
                    Put("memory.swap.max", "max\n");
                    Put("memory.current", "0\n");
                    Put("memory.stat", "anon 0\nfile 0\ninactive_file 0\n");
                    Put("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
                    break;
                case "cpu":
                    Put("cpu.max", "max 100000\n");
                    Put("cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
                    break;
                case "pids":
                    Put("pids.max", "max\n");
                    Put("pids.current", "0\n");
                    break;
            }
        }
    }

    public void RemoveDirectory(string path)
    {
        if (Directory.EnumerateDirectories(path).Any())
        {
            throw new IOException($"rmdir {path}: Device or resource busy (has children)");
        }
        if (Read(Path.Combine(path, "cgroup.procs")).Trim().Length > 0)
        {
            throw new IOException($"rmdir {path}: Device or resource busy");
        }
        Directory.Delete(path, recursive: true);
    }

    public string Read(string path) => File.ReadAllText(path);

    public void Write(string path, string value)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No such file or directory: {path}", path);
        }
        Writes.Add((Path.GetRelativePath(Root, path), value));
        var dir = Path.GetDirectoryName(path)!;
        if (Path.GetFileName(path) == "cgroup.subtree_control")
        {
            var available = Read(Path.Combine(dir, "cgroup.controllers")).Split(' ', '\n');
            var enabled = Read(path).Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            if (dir != Root && Read(Path.Combine(dir, "cgroup.procs")).Trim().Length > 0)
            {
                throw new IOException($"write {path}: Device or resource busy (no internal processes)");
            }
            foreach (var token in value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = token[1..];
                if (!available.Contains(name))
                {
                    throw new IOException($"write {path}: No such file or directory ({name} not in cgroup.controllers)");
                }
                enabled.Remove(name);
                if (token[0] == '+')
                {
                    enabled.Add(name);
                }
            }
            File.WriteAllText(path, string.Join(' ', enabled) + "\n");
            return;
        }
        if (Path.GetFileName(path) == "cgroup.freeze")
        {
            // The kernel reports the frozen state in cgroup.events once every member has stopped (none here).
            File.WriteAllText(Path.Combine(dir, "cgroup.events"), $"populated 0\nfrozen {value.Trim()}\n");
        }
        File.WriteAllText(path, value);
    }

    /// <summary>Group directories (relative) that got a device program, with its size in instructions.</summary>
    public List<(string Dir, int Instructions)> DeviceFilters { get; } = [];

    public void AttachDeviceFilter(string dir, byte[] program)
    {
        if (!Directory.Exists(dir))
        {
            throw new IOException($"open {dir}: No such file or directory");
        }
        DeviceFilters.Add((Path.GetRelativePath(Root, dir), program.Length / 8));
    }

    /// <summary>Plays the kernel: sets an interface file's content without recording a driver write.</summary>
    public void Kernel(string relative, string content) => File.WriteAllText(Path.Combine(Root, relative), content);

    public string Content(string relative) => File.ReadAllText(Path.Combine(Root, relative)).Trim();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
