using System.Runtime.InteropServices;

namespace Orch.Engine.Build;

/// <summary>lstat(2) facts the layer tar needs (owner, mode, device numbers, inode for hard links).</summary>
internal readonly record struct FileStat(uint Mode, uint Uid, uint Gid, long Size, ulong Inode, uint Nlink, uint RdevMajor, uint RdevMinor, uint DevMajor, uint DevMinor, DateTimeOffset Mtime)
{
    public const uint S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFLNK = 0xA000, S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFIFO = 0x1000, S_IFSOCK = 0xC000;

    public uint Type => Mode & S_IFMT;

    public uint Perm => Mode & 0xFFF;

    public bool IsWhiteout => Type == S_IFCHR && RdevMajor == 0 && RdevMinor == 0;

    /// <summary>statx(2) rather than stat(2): its struct layout is the same on every architecture.</summary>
    public static unsafe FileStat? Lstat(string path)
    {
        var buf = stackalloc byte[256];
        if (Statx(-100 /* AT_FDCWD */, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, 0xfff /* STATX_BASIC_STATS */, buf) != 0)
        {
            return null;
        }
        var sec = *(long*)(buf + 112);
        var nsec = *(uint*)(buf + 120);
        return new FileStat(
            Mode: *(ushort*)(buf + 28),
            Uid: *(uint*)(buf + 20),
            Gid: *(uint*)(buf + 24),
            Size: *(long*)(buf + 40),
            Inode: *(ulong*)(buf + 32),
            Nlink: *(uint*)(buf + 16),
            RdevMajor: *(uint*)(buf + 128),
            RdevMinor: *(uint*)(buf + 132),
            DevMajor: *(uint*)(buf + 136),
            DevMinor: *(uint*)(buf + 140),
            Mtime: DateTimeOffset.FromUnixTimeSeconds(sec).AddTicks(nsec / 100));
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern unsafe int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buf);
}
