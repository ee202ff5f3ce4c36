using System.Globalization;
using System.Text;
using Orch.Engine.Linux;

namespace Orch.Engine.Runtime;

/// <summary>
/// Writes the spec file that orch-launch parses (native/spec.c): records KEY\0COUNT\0ARG…\0.
/// C# decides every path, mount, id and capability; the launcher only carries them out.
/// </summary>
internal sealed class LaunchSpec
{
    // Namespace flags of clone(2).
    public const int CloneNewNs = 0x00020000;
    public const int CloneNewUts = 0x04000000;
    public const int CloneNewIpc = 0x08000000;
    public const int CloneNewPid = 0x20000000;
    public const int CloneNewNet = 0x40000000;

    /// <summary>Docker's default capability set; everything else is dropped from every set.</summary>
    public static readonly int[] DefaultCapabilities =
    [
        0,  // CHOWN
        1,  // DAC_OVERRIDE
        3,  // FOWNER
        4,  // FSETID
        5,  // KILL
        6,  // SETGID
        7,  // SETUID
        8,  // SETPCAP
        10, // NET_BIND_SERVICE
        13, // NET_RAW
        18, // SYS_CHROOT
        27, // MKNOD
        29, // AUDIT_WRITE
        31, // SETFCAP
    ];

    /// <summary>What runc masks (files get /dev/null, directories an empty read-only tmpfs).</summary>
    public static readonly string[] MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    public static readonly string[] ReadOnlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>Device nodes of a minimal /dev, bind-mounted from the host's.</summary>
    public static readonly string[] Devices = ["null", "zero", "full", "random", "urandom", "tty"];

    private readonly List<(string Key, string[] Args)> records = [];

    public LaunchSpec Add(string key, params string[] args)
    {
        records.Add((key, args));
        return this;
    }

    public LaunchSpec Mount(string source, string target, string fstype, ulong flags, string data, bool isFile = false) =>
        Add("mount", source, target, fstype, flags.ToString(CultureInfo.InvariantCulture), data, isFile ? "file" : "dir");

    public LaunchSpec User(ProcessUser user) =>
        Add("user", [user.Uid.ToString(CultureInfo.InvariantCulture), user.Gid.ToString(CultureInfo.InvariantCulture),
            .. user.Groups.Select(g => g.ToString(CultureInfo.InvariantCulture))]);

    public LaunchSpec Capabilities() => Add("caps", [.. DefaultCapabilities.Select(c => c.ToString(CultureInfo.InvariantCulture))]);

    /// <summary>proc, a tmpfs /dev with the minimal devices, devpts, shm, mqueue and a read-only sysfs, as runc's default spec.</summary>
    public LaunchSpec StandardMounts(string rootfs)
    {
        const ulong common = Libc.MsNosuid | Libc.MsNodev | Libc.MsNoexec;
        // /dev is a fresh tmpfs: what lies under it in the image no longer matters once it is mounted.
        var dev = Snapshots.RootfsPath.Join(rootfs, "/dev");
        Mount("proc", Snapshots.RootfsPath.Join(rootfs, "/proc"), "proc", common, "");
        Mount("tmpfs", dev, "tmpfs", Libc.MsNosuid | Libc.MsStrictatime, "mode=755,size=65536k");
        foreach (var d in Devices)
        {
            Mount("/dev/" + d, dev + "/" + d, "", Libc.MsBind, "", isFile: true);
        }
        Mount("devpts", dev + "/pts", "devpts", Libc.MsNosuid | Libc.MsNoexec, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        Mount("shm", dev + "/shm", "tmpfs", common, "mode=1777,size=65536k");
        Mount("mqueue", dev + "/mqueue", "mqueue", common, "");
        Mount("sysfs", Snapshots.RootfsPath.Join(rootfs, "/sys"), "sysfs", common | Libc.MsRdonly, "");
        Add("symlink", "pts/ptmx", dev + "/ptmx");
        Add("symlink", "/proc/self/fd", dev + "/fd");
        Add("symlink", "/proc/self/fd/0", dev + "/stdin");
        Add("symlink", "/proc/self/fd/1", dev + "/stdout");
        Add("symlink", "/proc/self/fd/2", dev + "/stderr");
        foreach (var p in MaskedPaths)
        {
            Add("mask", p);
        }
        foreach (var p in ReadOnlyPaths)
        {
            Add("ro", p);
        }
        return this;
    }

    public byte[] ToBytes()
    {
        var sb = new StringBuilder();
        foreach (var (key, args) in records)
        {
            sb.Append(key).Append('\0').Append(args.Length.ToString(CultureInfo.InvariantCulture)).Append('\0');
            foreach (var a in args)
            {
                if (a.Contains('\0', StringComparison.Ordinal))
                {
                    throw new RuntimeException(RuntimeError.InvalidArgument, $"argument contains a NUL byte: {a.Replace('\0', ' ')}");
                }
                sb.Append(a).Append('\0');
            }
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Writes the file atomically (the launcher may be started again from it after a crash).</summary>
    public void WriteTo(string path)
    {
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, ToBytes());
        File.Move(tmp, path, overwrite: true);
    }
}
