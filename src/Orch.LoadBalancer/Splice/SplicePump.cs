using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Orch.LoadBalancer.Splice;

/// <summary>
/// The process's splice pump: one <see cref="PumpThread"/> per core (at most four), started on
/// first use and living as long as the process, like .NET's own socket engine threads. Every
/// thread watches every listener; a connection stays on the thread that accepted it.
/// </summary>
internal sealed unsafe class SplicePump
{
    private static readonly Lazy<SplicePump> SharedPump = new(() => new SplicePump(Math.Clamp(Environment.ProcessorCount, 1, 4)));
    private readonly PumpThread[] threads;

    private SplicePump(int count) => threads = [.. Enumerable.Range(0, count).Select(i => new PumpThread($"orch-lb-splice-{i}"))];

    public static SplicePump Shared => SharedPump.Value;

    /// <summary>Connections the pump holds open right now.</summary>
    public int Count => threads.Sum(t => t.Count);

    public IReadOnlyList<PumpThread> Threads => threads;

    /// <summary>Resets every connection of <paramref name="owner"/> on every thread.</summary>
    public void Abort(CancellationToken owner)
    {
        foreach (var t in threads)
        {
            t.Abort(owner);
        }
    }

    /// <summary>A pipe (non-blocking, close-on-exec) for one direction, counting what is read into it.</summary>
    public static SpliceDirection? Pipe(Action<long> count)
    {
        var fds = stackalloc int[2];
        return Libc.Pipe2(fds, Libc.O_NONBLOCK | Libc.O_CLOEXEC) == 0 ? new SpliceDirection(fds[0], fds[1], count) : null;
    }

    /// <summary>
    /// A non-blocking IPv4 TCP socket with the balancer's options, connect(2) started towards
    /// <paramref name="to"/>. Returns the fd (or -1) and 0, EINPROGRESS or the errno.
    /// </summary>
    public static (int Fd, int Error) StartConnect(IPEndPoint to, LoadBalancerOptions options)
    {
        const int SOCK_NONBLOCK = Libc.O_NONBLOCK, SOCK_CLOEXEC = Libc.O_CLOEXEC;
        var fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return (-1, Libc.Errno);
        }
        Configure(fd, options);
        // struct sockaddr_in: family, port (network order), address (network order), 8 bytes of zero.
        var addr = stackalloc byte[16];
        new Span<byte>(addr, 16).Clear();
        *(ushort*)addr = Libc.AF_INET;
        addr[2] = (byte)(to.Port >> 8);
        addr[3] = (byte)to.Port;
        if (to.Address.AddressFamily != AddressFamily.InterNetwork || !to.Address.TryWriteBytes(new Span<byte>(addr + 4, 4), out _))
        {
            _ = Libc.Close(fd);
            return (-1, 97); // EAFNOSUPPORT: the balancer is IPv4 only, as the tasks' node addresses are
        }
        return Libc.Connect(fd, addr, 16) == 0 ? (fd, 0) : (fd, Libc.Errno);
    }

    /// <summary>TCP_NODELAY and keepalive (first probe after the options' idle time, then every 10 s, 6 probes), as on the client side.</summary>
    public static void Configure(int fd, LoadBalancerOptions options)
    {
        _ = Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
        _ = Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_KEEPALIVE, 1);
        _ = Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPIDLE, (int)options.KeepAliveIdle.TotalSeconds);
        _ = Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPINTVL, 10);
        _ = Libc.SetInt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPCNT, 6);
    }

    /// <summary>Sends all of <paramref name="data"/> on a fresh non-blocking socket (the PROXY header: its send buffer is empty); false if it would not all go.</summary>
    public static bool SendAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            return Libc.Send(fd, p, (nuint)data.Length, Libc.MSG_NOSIGNAL) == data.Length;
        }
    }

    /// <summary>getpeername(2) of an IPv4 socket, or null.</summary>
    public static IPEndPoint? Peer(int fd) => Name(fd, peer: true);

    /// <summary>getsockname(2) of an IPv4 socket, or null.</summary>
    public static IPEndPoint? Local(int fd) => Name(fd, peer: false);

    private static IPEndPoint? Name(int fd, bool peer)
    {
        var addr = stackalloc byte[16];
        var len = 16;
        var rc = peer ? Libc.GetPeerName(fd, addr, &len) : Libc.GetSockName(fd, addr, &len);
        return rc != 0 || *(ushort*)addr != Libc.AF_INET
            ? null
            : new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(addr + 4, 4)), (addr[2] << 8) | addr[3]);
    }

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
