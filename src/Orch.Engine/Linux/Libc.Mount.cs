using System.Runtime.InteropServices;

namespace Orch.Engine.Linux;

/// <summary>mount(2) and umount2(2): the runtime mounts with the syscall (≈0.3 ms) rather than mount(8) (≈5 ms).</summary>
internal static partial class Libc
{
    public const ulong MsRdonly = 1;
    public const ulong MsNosuid = 2;
    public const ulong MsNodev = 4;
    public const ulong MsNoexec = 8;
    public const ulong MsBind = 4096;
    public const ulong MsStrictatime = 1 << 24;
    public const int MntDetach = 2;
    public const int Einval = 22;
    public const int Enoent = 2;
    public const int Esrch = 3;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MountRaw(string source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Umount2Raw(string target, int flags);

    public static void Mount(string source, string target, string? fstype, ulong flags, string? data)
    {
        if (MountRaw(source, target, fstype, flags, data) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"mount {fstype ?? source} on {target}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>Unmounts; a target that is not mounted (EINVAL) or gone (ENOENT) is not an error.</summary>
    public static void Unmount(string target, int flags = 0)
    {
        if (Umount2Raw(target, flags) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Einval or Enoent)
            {
                return;
            }
            throw new IOException($"umount {target}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }
}
