using System.Net;
using System.Runtime.InteropServices;

namespace Orch.LoadBalancer.Kernel;

/// <summary>One backend's counters in the fast path's map: what it forwarded without the IP stack.</summary>
internal readonly record struct FastPathCount(IPEndPoint Backend, uint PublishedPort, bool Reply, long Packets, long Bytes);

/// <summary>
/// Reads and prunes the fast path's pinned per-CPU BPF hash map <c>orch_lb_fwd</c> with the bpf(2) system call
/// (no bpftool process per read). Key: the task's NODE:HOSTPORT, the published port (all network order) and the
/// direction; value: packets and bytes, one pair per possible CPU, summed here (lb_fastpath.bpf.c, struct
/// fwd_key / fwd_count).
/// </summary>
internal static unsafe partial class BpfMap
{
    private const int KeySize = 12, ValueSize = 16, AttrSize = 128;
    private const int BPF_MAP_LOOKUP_ELEM = 1, BPF_MAP_DELETE_ELEM = 3, BPF_MAP_GET_NEXT_KEY = 4, BPF_OBJ_GET = 7;
    private const int ENOENT = 2;

    private static readonly nint SysBpf = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 280 : 321;

    /// <summary>A per-CPU map's value holds one copy per possible CPU (/sys/devices/system/cpu/possible, e.g. "0-1").</summary>
    private static readonly int PossibleCpus = ParseCpuList(File.Exists("/sys/devices/system/cpu/possible")
        ? File.ReadAllText("/sys/devices/system/cpu/possible") : "", Environment.ProcessorCount);

    /// <summary>Every entry of the map pinned at <paramref name="pin"/>; empty when there is no such pin.</summary>
    public static List<FastPathCount> Read(string pin) => Walk(pin, remove: null);

    /// <summary>Deletes the entries <paramref name="remove"/> picks (counters already folded elsewhere) and returns them as they were last read.</summary>
    public static List<FastPathCount> Take(string pin, Func<FastPathCount, bool> remove) => Walk(pin, remove);

    /// <summary>Every entry (no <paramref name="remove"/>), or those it picks, deleted.</summary>
    private static List<FastPathCount> Walk(string pin, Func<FastPathCount, bool>? remove)
    {
        var result = new List<FastPathCount>();
        var fd = Open(pin);
        if (fd < 0)
        {
            return result;
        }
        try
        {
            foreach (var key in Keys(fd))
            {
                var value = new byte[ValueSize * PossibleCpus];
                if (!Lookup(fd, key, value))
                {
                    continue;
                }
                var count = Decode(key, value);
                // What the program adds between this read and the delete is lost: a few packets of a backend
                // that has just left the plan.
                if (remove is null || (remove(count) && Call(BPF_MAP_DELETE_ELEM, fd, key, null) == 0))
                {
                    result.Add(count);
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
        return result;
    }

    private static FastPathCount Decode(byte[] key, byte[] value)
    {
        var addr = new IPAddress(key.AsSpan(0, 4));
        var port = (key[4] << 8) | key[5];
        var published = (uint)((key[6] << 8) | key[7]);
        var dir = BitConverter.ToUInt32(key, 8);
        long packets = 0, bytes = 0;
        for (var off = 0; off + ValueSize <= value.Length; off += ValueSize)
        {
            packets += BitConverter.ToInt64(value, off);
            bytes += BitConverter.ToInt64(value, off + 8);
        }
        return new FastPathCount(new IPEndPoint(addr, port), published, dir != 0, packets, bytes);
    }

    /// <summary>The number of CPUs in a kernel CPU list ("0-1", "0,2-3"); <paramref name="fallback"/> when it cannot be read.</summary>
    internal static int ParseCpuList(string list, int fallback)
    {
        var max = -1;
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var range = part.Split('-');
            if (!int.TryParse(range[^1], out var last))
            {
                return fallback;
            }
            max = Math.Max(max, last);
        }
        // The kernel copies one value per possible CPU, one after another: at most the highest one + 1 (a larger
        // buffer's tail stays zero).
        return max >= 0 ? max + 1 : fallback;
    }

    private static int Open(string pin)
    {
        var path = Marshal.StringToHGlobalAnsi(pin);
        try
        {
            var attr = stackalloc byte[AttrSize];
            new Span<byte>(attr, AttrSize).Clear();
            *(ulong*)attr = (ulong)path;
            return (int)Syscall(SysBpf, BPF_OBJ_GET, attr, AttrSize);
        }
        finally
        {
            Marshal.FreeHGlobal(path);
        }
    }

    private static List<byte[]> Keys(int fd)
    {
        var keys = new List<byte[]>();
        byte[]? key = null;
        while (true)
        {
            var next = new byte[KeySize];
            if (Call(BPF_MAP_GET_NEXT_KEY, fd, key, next) != 0)
            {
                return keys; // ENOENT: the last one
            }
            keys.Add(next);
            key = next;
        }
    }

    private static bool Lookup(int fd, byte[] key, byte[] value) => Call(BPF_MAP_LOOKUP_ELEM, fd, key, value) == 0;

    private static int Call(int cmd, int fd, byte[]? key, byte[]? value)
    {
        var attr = stackalloc byte[AttrSize];
        new Span<byte>(attr, AttrSize).Clear();
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            *(uint*)attr = (uint)fd;
            *(ulong*)(attr + 8) = (ulong)k;
            *(ulong*)(attr + 16) = (ulong)v;
            var r = (int)Syscall(SysBpf, cmd, attr, AttrSize);
            return r == 0 ? 0 : Marshal.GetLastPInvokeError() is var e && e != 0 ? e : ENOENT;
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial nint Syscall(nint number, int cmd, byte* attr, uint size);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
