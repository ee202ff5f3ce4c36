using System.Runtime.InteropServices;

namespace Orch.Engine.Linux;

/// <summary>bpf(2) for cgroup v2 device filters, and open(2) of a cgroup directory to attach them to.</summary>
internal static partial class Libc
{
    private const int BpfProgLoad = 5;
    private const int BpfProgAttach = 8;
    private const uint BpfProgTypeCgroupDevice = 15;
    private const uint BpfCgroupDevice = 6;

    /// <summary>BPF_F_ALLOW_MULTI: programs of ancestors keep running too (all must allow), as runc attaches.</summary>
    private const uint BpfFAllowMulti = 2;

    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall3(long number, long a1, nint a2, long a3);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseRaw(int fd);

    private static long SysBpf => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var a => throw new PlatformNotSupportedException($"bpf(2) syscall number unknown for {a}"),
    };

    /// <summary>
    /// Loads <paramref name="program"/> (encoded struct bpf_insn array) as BPF_PROG_TYPE_CGROUP_DEVICE and attaches
    /// it to the cgroup2 directory <paramref name="cgroupDir"/>. The cgroup keeps the program; it goes with the cgroup.
    /// </summary>
    public static unsafe void AttachDeviceProgram(string cgroupDir, byte[] program)
    {
        var license = "MIT\0"u8;
        var log = new byte[64 * 1024];
        int progFd;
        fixed (byte* insns = program)
        fixed (byte* lic = license)
        fixed (byte* logBuf = log)
        {
            // union bpf_attr, BPF_PROG_LOAD part: prog_type, insn_cnt, insns, license, log_level, log_size, log_buf.
            var attr = stackalloc byte[128];
            new Span<byte>(attr, 128).Clear();
            *(uint*)(attr + 0) = BpfProgTypeCgroupDevice;
            *(uint*)(attr + 4) = (uint)(program.Length / 8);
            *(ulong*)(attr + 8) = (ulong)insns;
            *(ulong*)(attr + 16) = (ulong)lic;
            *(uint*)(attr + 24) = 1;
            *(uint*)(attr + 28) = (uint)log.Length;
            *(ulong*)(attr + 32) = (ulong)logBuf;
            progFd = (int)Syscall3(SysBpf, BpfProgLoad, (nint)attr, 128);
            if (progFd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                var verifier = System.Text.Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
                throw new IOException($"bpf(BPF_PROG_LOAD) of the device filter: {Marshal.GetPInvokeErrorMessage(errno)}"
                                      + (verifier.Length > 0 ? $"; verifier: {verifier}" : ""));
            }
        }
        try
        {
            var dirFd = OpenRaw(cgroupDir, ODirectory | OCloexec);
            if (dirFd < 0)
            {
                throw new IOException($"open {cgroupDir}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
            try
            {
                // BPF_PROG_ATTACH part: target_fd, attach_bpf_fd, attach_type, attach_flags.
                var attr = stackalloc byte[32];
                new Span<byte>(attr, 32).Clear();
                *(uint*)(attr + 0) = (uint)dirFd;
                *(uint*)(attr + 4) = (uint)progFd;
                *(uint*)(attr + 8) = BpfCgroupDevice;
                *(uint*)(attr + 12) = BpfFAllowMulti;
                if (Syscall3(SysBpf, BpfProgAttach, (nint)attr, 32) < 0)
                {
                    throw new IOException($"bpf(BPF_PROG_ATTACH) of the device filter to {cgroupDir}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
                }
            }
            finally
            {
                _ = CloseRaw(dirFd);
            }
        }
        finally
        {
            // The attachment holds its own reference to the program.
            _ = CloseRaw(progFd);
        }
    }
}
