using System.Runtime.InteropServices;

namespace Orch.Engine.Images.Layers;

/// <summary>
/// The *at(2) family and friends used to unpack layers relative to a directory file descriptor, so that
/// no path the tarball names is ever resolved by the kernel from "/" (see <see cref="SafeRoot"/>).
/// </summary>
internal static unsafe partial class LayerSyscalls
{
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_EMPTY_PATH = 0x1000;

    // openat2(2) resolve flags.
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_BENEATH = 0x08;

    public const uint S_IFIFO = 0x1000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFMT = 0xF000;

    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EXDEV = 18;
    public const int ELOOP = 40;
    public const int EAGAIN = 11;
    public const int ENOTEMPTY = 39;

    // openat2 has no glibc wrapper; its number is the same on every architecture (added after the unification).
    private const long SYS_openat2 = 437;
    private const long UTIME_OMIT = (1L << 30) - 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong Dev;
        public ulong Ino;
        public ulong Nlink;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        private readonly int pad0;
        public ulong Rdev;
        public long Size;
        public long Blksize;
        public long Blocks;
        public long Atime;
        public long AtimeNsec;
        public long Mtime;
        public long MtimeNsec;
        public long Ctime;
        public long CtimeNsec;
        private fixed long reserved[3];
    }

    /// <summary>openat2(dirfd, path, flags, resolve): the kernel refuses (EXDEV) any resolution that leaves dirfd.</summary>
    public static int OpenBeneath(int dirfd, string path, int flags, ulong resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)
    {
        var how = new OpenHow { Flags = (ulong)(flags | O_CLOEXEC), Resolve = resolve };
        var bytes = Utf8z(path);
        fixed (byte* p = bytes)
        {
            return (int)Syscall(SYS_openat2, dirfd, (nint)p, (nint)(&how), sizeof(OpenHow));
        }
    }

    public static int SetTimes(int dirfd, string? name, DateTimeOffset mtime, int flags)
    {
        var ts = stackalloc Timespec[2];
        var ticks = (mtime.UtcDateTime - DateTime.UnixEpoch).Ticks;
        ts[0] = new Timespec { Sec = 0, Nsec = UTIME_OMIT };
        ts[1] = new Timespec { Sec = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem), Nsec = rem * 100 };
        if (ts[1].Nsec < 0)
        {
            ts[1].Sec -= 1;
            ts[1].Nsec += 1_000_000_000;
        }
        return name is null ? Futimens(dirfd, ts) : Utimensat(dirfd, name, ts, flags);
    }

    /// <summary>An extended attribute of a path (not followed if a symlink) as UTF-8; null when absent.</summary>
    public static string? GetXattr(string path, string name) =>
        GetXattrBytes(path, name) is { } value ? System.Text.Encoding.UTF8.GetString(value) : null;

    /// <summary>An extended attribute of a path (not followed if a symlink), raw; null when absent.</summary>
    public static byte[]? GetXattrBytes(string path, string name)
    {
        var buf = stackalloc byte[4096];
        var n = Lgetxattr(path, name, buf, 4096);
        return n < 0 ? null : new Span<byte>(buf, (int)n).ToArray();
    }

    /// <summary>Sets an extended attribute of a path (not followed if a symlink).</summary>
    public static void SetXattrBytes(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* p = value)
        {
            Check(Lsetxattr(path, name, p, value.Length, 0), "lsetxattr", $"{path} {name}");
        }
    }

    /// <summary>glibc's gnu_dev_makedev.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xfffff000) << 32) | ((ulong)(major & 0xfff) << 8) | ((ulong)(minor & 0xffffff00) << 12) | (minor & 0xff);

    public static void Check(int rc, string op, string what)
    {
        if (rc < 0)
        {
            throw Error(op, what);
        }
    }

    /// <summary>Opens directory <paramref name="dir"/>, runs <paramref name="call"/> (named <paramref name="op"/> in errors) on its fd, closes it.</summary>
    public static void OnDirectory(string dir, Func<int, int> call, string op)
    {
        var fd = Open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Error("open", dir);
        }
        try
        {
            Check(call(fd), op, dir);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// sync_file_range(2) SYNC_FILE_RANGE_WRITE: starts writing a file's dirty pages in [offset, offset+count) to
    /// the disk and returns without waiting (count 0: to the end). Only a head start: it makes nothing durable
    /// (no metadata, no device flush), the syncfs(2) before a pull publishes still does; that syncfs then waits
    /// for writes already under way instead of starting them all. Failures are ignored, as is the call's
    /// result: a hint.
    /// </summary>
    public static void StartWriteback(SafeHandle file, long offset = 0, long count = 0)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            _ = SyncFileRange((int)file.DangerousGetHandle(), offset, count, SYNC_FILE_RANGE_WRITE);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    public static IOException Error(string op, string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{op} {what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    public static int Errno(this IOException e) => e.HResult;

    private static byte[] Utf8z(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirfd, string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    public static partial int Syncfs(int fd);

    private const uint SYNC_FILE_RANGE_WRITE = 2;

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nint count);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int dirfd, string name, uint mode);

    [LibraryImport("libc", EntryPoint = "mknodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MknodAt(int dirfd, string name, uint mode, ulong dev);

    [LibraryImport("libc", EntryPoint = "symlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SymlinkAt(string target, int dirfd, string name);

    [LibraryImport("libc", EntryPoint = "linkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LinkAt(int olddirfd, string oldname, int newdirfd, string newname, int flags);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int dirfd, string name, int flags);

    [LibraryImport("libc", EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FchownAt(int dirfd, string name, uint uid, uint gid, int flags);

    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    public static partial int Fchown(int fd, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    public static partial int Fchmod(int fd, uint mode);

    [LibraryImport("libc", EntryPoint = "fchmodat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FchmodAt(int dirfd, string name, uint mode, int flags);

    [LibraryImport("libc", EntryPoint = "fstatat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FstatAt(int dirfd, string name, out Stat st, int flags);

    [LibraryImport("libc", EntryPoint = "fsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Fsetxattr(int fd, string name, byte* value, nint size, int flags);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Lsetxattr(string path, string name, byte* value, nint size, int flags);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint Lgetxattr(string path, string name, byte* value, nint size);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Utimensat(int dirfd, string name, Timespec* times, int flags);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static partial int Futimens(int fd, Timespec* times);
}
