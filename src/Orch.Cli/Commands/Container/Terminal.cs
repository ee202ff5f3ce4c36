using System.Runtime.InteropServices;

namespace Orch.Cli.Commands.Container;

/// <summary>The local terminal for -it: raw mode (restored on dispose) and window size.</summary>
internal static partial class Terminal
{
    private const int TcsaNow = 0;
    private const ulong Tiocgwinsz = 0x5413;

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsAtty(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetattr")]
    private static partial int TcGetAttr(int fd, ref byte termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr")]
    private static partial int TcSetAttr(int fd, int action, ref byte termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(ref byte termios);

    [LibraryImport("libc", EntryPoint = "ioctl")]
    private static partial int Ioctl(int fd, ulong request, ref ushort winsize);

    public static bool IsTty(int fd) => IsAtty(fd) == 1;

    public static (uint Rows, uint Cols)? Size(int fd = 1)
    {
        var ws = new ushort[4];
        if (Ioctl(fd, Tiocgwinsz, ref ws[0]) != 0 && Ioctl(0, Tiocgwinsz, ref ws[0]) != 0)
        {
            return null;
        }
        return (ws[0], ws[1]);
    }

    /// <summary>Puts fd in raw mode; disposing restores the saved settings.</summary>
    public static IDisposable? MakeRaw(int fd)
    {
        // struct termios is 60 bytes on Linux; 128 leaves room on every architecture.
        var saved = new byte[128];
        if (TcGetAttr(fd, ref saved[0]) != 0)
        {
            return null;
        }
        var raw = (byte[])saved.Clone();
        CfMakeRaw(ref raw[0]);
        TcSetAttr(fd, TcsaNow, ref raw[0]);
        return new Restore(fd, saved);
    }

    private sealed class Restore(int fd, byte[] saved) : IDisposable
    {
        public void Dispose() => TcSetAttr(fd, TcsaNow, ref saved[0]);
    }
}
