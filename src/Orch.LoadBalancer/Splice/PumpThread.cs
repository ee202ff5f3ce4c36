using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Orch.LoadBalancer.Splice;

/// <summary>
/// One epoll loop on its own thread that moves the bytes of its connections with splice(2) and
/// watches their listeners and upstream connects. Other threads talk to it only through <see cref="Post"/>
/// (a queue and an eventfd), so its state needs no locks.
/// </summary>
internal sealed unsafe class PumpThread
{
    private const ulong WakeToken = 0;
    private const int KindClient = 0, KindUpstream = 1, KindConnect = 2, KindListener = 3;
    private const uint EPOLLEXCLUSIVE = 1u << 28;
    private const int ECONNABORTED = 103;
    /// <summary>Connections accepted per listener event before the others get a turn (the listener is level-triggered).</summary>
    private const int AcceptBatch = 64;
    private const int MaxEvents = 256;
    private const int ECANCELED = 125;

    private readonly int epoll;
    private readonly int wake;
    private readonly ConcurrentQueue<Action> commands = new();
    private readonly Dictionary<ulong, SpliceConnection> connections = [];
    private readonly Dictionary<ulong, PendingConnect> connects = [];
    private readonly Dictionary<ulong, Listening> listeners = [];
    private readonly List<SpliceConnection> unfinished = [];
    private int wakePending;
    private static long nextId;

    private sealed record Listening(int Fd, Action<PumpThread, int> Accepted, Action<int> Failed);

    private static ulong NewId() => (ulong)Interlocked.Increment(ref nextId);

    public PumpThread(string name)
    {
        epoll = Libc.EpollCreate1(Libc.O_CLOEXEC);
        wake = Libc.EventFd(0, Libc.O_CLOEXEC | Libc.O_NONBLOCK);
        if (epoll < 0 || wake < 0 || Libc.EpollCtl(epoll, Libc.EPOLL_CTL_ADD, wake, Libc.EPOLLIN, WakeToken) != 0)
        {
            throw new IOException($"splice pump: epoll setup failed: {Marshal.GetPInvokeErrorMessage(Libc.Errno)}");
        }
        new Thread(Run) { Name = name, IsBackground = true }.Start();
    }

    /// <summary>Open connections (a racy read for tests and stats).</summary>
    public int Count => Volatile.Read(ref count);
    private int count;

    /// <summary>Runs <paramref name="command"/> on the pump thread, in order.</summary>
    public void Post(Action command)
    {
        commands.Enqueue(command);
        if (Interlocked.Exchange(ref wakePending, 1) == 0)
        {
            ulong one = 1;
            _ = Libc.Write(wake, (byte*)&one, sizeof(ulong));
        }
    }

    /// <summary>
    /// Waits for a connect(2) that returned EINPROGRESS on <paramref name="fd"/>: 0 when it succeeded,
    /// else its errno. The caller keeps owning the fd (the pump has dropped it from its epoll set
    /// when the task completes).
    /// </summary>
    public Task<int> ConnectedAsync(int fd, TimeSpan timeout, CancellationToken owner)
    {
        var p = new PendingConnect(fd, Environment.TickCount64 + (long)timeout.TotalMilliseconds, owner);
        Post(() =>
        {
            if (p.Owner.IsCancellationRequested)
            {
                p.Complete(ECANCELED);
                return;
            }
            var id = NewId();
            connects[id] = p;
            if (Libc.EpollCtl(epoll, Libc.EPOLL_CTL_ADD, p.Fd, Libc.EPOLLOUT | Libc.EPOLLET, (id << 2) | KindConnect) != 0)
            {
                connects.Remove(id);
                p.Complete(Libc.Errno);
            }
        });
        return p.Task;
    }

    /// <summary>
    /// Takes over a connected pair: from here on the pump owns both fds and the pipes and closes
    /// them (and calls <see cref="Backend.Closed"/>) when the connection ends or
    /// <paramref name="owner"/> is aborted.
    /// </summary>
    public void Adopt(int client, int upstream, SpliceDirection up, SpliceDirection down, Backend backend, CancellationToken owner) => Post(() =>
    {
        var c = new SpliceConnection(NewId(), client, upstream, up, down, backend, owner);
        Interlocked.Increment(ref count);
        connections[c.Id] = c;
        const uint events = Libc.EPOLLIN | Libc.EPOLLOUT | Libc.EPOLLRDHUP | Libc.EPOLLET;
        if (owner.IsCancellationRequested
            || Libc.EpollCtl(epoll, Libc.EPOLL_CTL_ADD, client, events, (c.Id << 2) | KindClient) != 0
            || Libc.EpollCtl(epoll, Libc.EPOLL_CTL_ADD, upstream, events, (c.Id << 2) | KindUpstream) != 0)
        {
            Remove(c, reset: true);
        }
    });

    /// <summary>
    /// Accepts on a listening, non-blocking socket: <paramref name="accepted"/> gets each new
    /// connection's fd (non-blocking, close-on-exec) on this thread and must not block;
    /// <paramref name="failed"/> gets an accept(2) errno other than EAGAIN. Every pump thread can
    /// watch the same listener: EPOLLEXCLUSIVE wakes one of them per connection, not all.
    /// </summary>
    public ulong Listen(int fd, Action<PumpThread, int> accepted, Action<int> failed)
    {
        var id = NewId();
        Post(() =>
        {
            listeners[id] = new Listening(fd, accepted, failed);
            if (Libc.EpollCtl(epoll, Libc.EPOLL_CTL_ADD, fd, Libc.EPOLLIN | EPOLLEXCLUSIVE, (id << 2) | KindListener) != 0)
            {
                listeners.Remove(id);
                failed(Libc.Errno);
            }
        });
        return id;
    }

    /// <summary>Stops watching a listener; when the task completes the caller may close its fd.</summary>
    public Task UnlistenAsync(ulong id)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            if (listeners.Remove(id, out var l))
            {
                _ = Libc.EpollCtl(epoll, Libc.EPOLL_CTL_DEL, l.Fd, 0, 0);
            }
            done.SetResult();
        });
        return done.Task;
    }

    /// <summary>Resets every connection and fails every pending connect of <paramref name="owner"/> (orchd stopping).</summary>
    public void Abort(CancellationToken owner) => Post(() =>
    {
        foreach (var c in connections.Values.Where(c => c.Owner == owner).ToList())
        {
            Remove(c, reset: true);
        }
        foreach (var (id, p) in connects.Where(p => p.Value.Owner == owner).ToList())
        {
            FinishConnect(id, p, ECANCELED);
        }
    });

    private void Remove(SpliceConnection c, bool reset)
    {
        c.Close(reset);
        connections.Remove(c.Id);
        Interlocked.Decrement(ref count);
    }

    private void FinishConnect(ulong id, PendingConnect p, int error)
    {
        connects.Remove(id);
        _ = Libc.EpollCtl(epoll, Libc.EPOLL_CTL_DEL, p.Fd, 0, 0);
        p.Complete(error); // last: its continuation may run here and post the next step
    }

    private void Run()
    {
        var size = Libc.EpollEventSize;
        var buffer = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * size));
        while (true)
        {
            var timeout = unfinished.Count > 0 ? 0 : connects.Count > 0 ? NextDeadline() : -1;
            var n = Libc.EpollWait(epoll, buffer, MaxEvents, timeout);
            for (var i = 0; i < n; i++)
            {
                var events = *(uint*)(buffer + (i * size));
                var token = *(ulong*)(buffer + (i * size) + size - 8);
                Dispatch(token, events);
            }
            RunUnfinished();
            if (connects.Count > 0)
            {
                ExpireConnects();
            }
        }
    }

    private void Dispatch(ulong token, uint events)
    {
        if (token == WakeToken)
        {
            ulong value;
            _ = Libc.Read(wake, (byte*)&value, sizeof(ulong));
            Volatile.Write(ref wakePending, 0);
            while (commands.TryDequeue(out var command))
            {
                command();
            }
            return;
        }
        var id = token >> 2;
        var kind = (int)(token & 3);
        if (kind == KindListener)
        {
            if (listeners.TryGetValue(id, out var l))
            {
                Accept(l);
            }
            return;
        }
        if (kind == KindConnect)
        {
            if (connects.TryGetValue(id, out var p))
            {
                int error = 0, len = sizeof(int);
                _ = Libc.GetSockOpt(p.Fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &error, &len);
                FinishConnect(id, p, error);
            }
            return;
        }
        // A connection closed earlier in this batch is gone from the table: its stale events are dropped.
        if (connections.TryGetValue(id, out var c))
        {
            c.Ready(kind == KindClient, events);
            Step(c);
        }
    }

    private void Accept(Listening l)
    {
        for (var i = 0; i < AcceptBatch; i++)
        {
            var fd = Libc.Accept4(l.Fd, null, null, Libc.O_NONBLOCK | Libc.O_CLOEXEC);
            if (fd >= 0)
            {
                l.Accepted(this, fd);
                continue;
            }
            var error = Libc.Errno;
            if (error == Libc.EAGAIN)
            {
                return;
            }
            if (error is not (Libc.EINTR or ECONNABORTED))
            {
                l.Failed(error);
                return;
            }
        }
    }

    private void Step(SpliceConnection c)
    {
        if (c.Run())
        {
            if (!unfinished.Contains(c))
            {
                unfinished.Add(c);
            }
        }
        else if (c.IsClosed)
        {
            connections.Remove(c.Id);
            Interlocked.Decrement(ref count);
        }
    }

    /// <summary>Gives connections that used up their budget another turn (edge-triggered: no event will come for them).</summary>
    private void RunUnfinished()
    {
        if (unfinished.Count == 0)
        {
            return;
        }
        var turn = unfinished.ToArray();
        unfinished.Clear();
        foreach (var c in turn.Where(c => !c.IsClosed))
        {
            Step(c);
        }
    }

    private int NextDeadline()
    {
        var next = connects.Values.Min(p => p.Deadline);
        return (int)Math.Clamp(next - Environment.TickCount64, 0, int.MaxValue);
    }

    private void ExpireConnects()
    {
        var now = Environment.TickCount64;
        foreach (var (id, p) in connects.Where(p => p.Value.Deadline <= now).ToList())
        {
            FinishConnect(id, p, Libc.ETIMEDOUT);
        }
    }
}
