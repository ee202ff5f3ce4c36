namespace Orch.LoadBalancer.Splice;

/// <summary>
/// One proxied TCP connection owned by a <see cref="PumpThread"/>: both socket fds (non-blocking,
/// registered edge-triggered for in, out and peer-hangup) and a pipe per direction. Closing it
/// closes every fd it holds exactly once. Pump-thread only.
/// </summary>
internal sealed class SpliceConnection
{
    /// <summary>Chunks one connection may move per turn before the others get theirs.</summary>
    public const int Budget = 16;

    private readonly Backend backend;
    private readonly SpliceDirection up;   // client → task
    private readonly SpliceDirection down; // task → client
    private bool clientReadable, clientWritable, upstreamReadable, upstreamWritable;

    public SpliceConnection(ulong id, int client, int upstream, SpliceDirection up, SpliceDirection down, Backend backend, CancellationToken owner)
    {
        Id = id;
        Client = client;
        Upstream = upstream;
        this.up = up;
        this.down = down;
        this.backend = backend;
        Owner = owner;
    }

    public ulong Id { get; }
    public int Client { get; }
    public int Upstream { get; }
    public CancellationToken Owner { get; }
    public bool IsClosed { get; private set; }

    /// <summary>Records an epoll event for one side. Error and hang-up make both operations run into the error or EOF.</summary>
    public void Ready(bool clientSide, uint events)
    {
        var readable = (events & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0;
        var writable = (events & (Libc.EPOLLOUT | Libc.EPOLLHUP | Libc.EPOLLERR)) != 0;
        if (clientSide)
        {
            clientReadable |= readable;
            clientWritable |= writable;
        }
        else
        {
            upstreamReadable |= readable;
            upstreamWritable |= writable;
        }
    }

    /// <summary>
    /// Moves both directions as far as the sockets allow. Returns true when the turn's budget ran
    /// out with work left (the pump must come back without waiting for an event).
    /// </summary>
    public bool Run()
    {
        var budget = Budget;
        if (!up.Move(Client, Upstream, ref clientReadable, ref upstreamWritable, ref budget)
            || !down.Move(Upstream, Client, ref upstreamReadable, ref clientWritable, ref budget))
        {
            // A reset or error on one side resets the other: the client must see that the task went away.
            Close(reset: true);
            return false;
        }
        if (up.Shut && down.Shut)
        {
            Close(reset: false);
            return false;
        }
        return budget == 0;
    }

    /// <summary>Closes both sockets (with RST when <paramref name="reset"/>) and both pipes; idempotent.</summary>
    public void Close(bool reset)
    {
        if (IsClosed)
        {
            return;
        }
        IsClosed = true;
        if (reset)
        {
            Libc.Reset(Client);
            Libc.Reset(Upstream);
        }
        // close(2) also drops the fds from the epoll set: nothing else holds these open files.
        _ = Libc.Close(Client);
        _ = Libc.Close(Upstream);
        foreach (var fd in (ReadOnlySpan<int>)[up.PipeRead, up.PipeWrite, down.PipeRead, down.PipeWrite])
        {
            _ = Libc.Close(fd);
        }
        backend.Closed();
    }
}
