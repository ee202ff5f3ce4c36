namespace Orch.Engine.Runtime.Cgroups;

/// <summary>The real cgroup filesystems.</summary>
internal sealed class CgroupFs : ICgroupFs
{
    public static readonly CgroupFs Instance = new();

    private CgroupFs()
    {
    }

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public bool FileExists(string path) => File.Exists(path);

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    // Directory.Delete without recursion is rmdir(2); cgroupfs removes the interface files with the directory.
    public void RemoveDirectory(string path) => Directory.Delete(path, recursive: false);

    public string Read(string path) => File.ReadAllText(path);

    public void Write(string path, string value)
    {
        // FileMode.Open: never O_CREAT, so a missing interface file (controller not enabled) is a clear
        // FileNotFoundException rather than EACCES from kernfs. bufferSize 0: exactly one write(2).
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        fs.Write(System.Text.Encoding.ASCII.GetBytes(value));
    }

    public void AttachDeviceFilter(string dir, byte[] program) => Linux.Libc.AttachDeviceProgram(dir, program);
}
