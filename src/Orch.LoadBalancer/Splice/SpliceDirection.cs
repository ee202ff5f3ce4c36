namespace Orch.LoadBalancer.Splice;

/// <summary>
/// One direction of a spliced connection: bytes go from the source socket into a pipe and from the
/// pipe into the destination socket, never through user space. Pump-thread only.
/// </summary>
internal sealed unsafe class SpliceDirection(int pipeRead, int pipeWrite, Action<long> count)
{
    /// <summary>
    /// Bytes moved per splice(2) from the socket: the pipe's default capacity (16 pages). A larger
    /// request would only be cut short there.
    /// </summary>
    private const int Chunk = 64 * 1024;

    public int PipeRead { get; } = pipeRead;
    public int PipeWrite { get; } = pipeWrite;

    /// <summary>Bytes in the pipe not yet written to the destination.</summary>
    public long Pending { get; private set; }

    /// <summary>The source sent FIN (splice read 0); <see cref="Shut"/> follows once the pipe is empty.</summary>
    public bool Eof { get; private set; }

    /// <summary>The destination got shutdown(SHUT_WR): this direction is finished.</summary>
    public bool Shut { get; private set; }

    /// <summary>
    /// Moves what it can until the source has nothing more (EAGAIN) or the destination takes
    /// nothing more (EAGAIN), clearing the matching readiness flag (edge-triggered epoll: a flag
    /// is set again only by the next event), or until <paramref name="budget"/> chunks went by.
    /// Returns false on a socket error (the connection is to be reset), with the budget left in
    /// <paramref name="budget"/>.
    /// </summary>
    public bool Move(int from, int to, ref bool fromReadable, ref bool toWritable, ref int budget)
    {
        while (budget > 0)
        {
            if (Pending > 0)
            {
                if (!toWritable)
                {
                    return true;
                }
                var w = Libc.Splice(PipeRead, null, to, null, (nuint)Pending, Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK);
                if (w > 0)
                {
                    Pending -= w;
                    continue;
                }
                if (w < 0 && Libc.Errno is var e && (e == Libc.EAGAIN || e == Libc.EINTR))
                {
                    toWritable = e == Libc.EINTR;
                    continue;
                }
                return false;
            }
            if (Eof)
            {
                if (!Shut)
                {
                    // Half-close: the source's FIN goes on to the destination; the other direction runs on.
                    _ = Libc.Shutdown(to, Libc.SHUT_WR);
                    Shut = true;
                }
                return true;
            }
            if (!fromReadable)
            {
                return true;
            }
            // The pipe is empty here, so EAGAIN can only mean the socket has nothing to read.
            var r = Libc.Splice(from, null, PipeWrite, null, Chunk, Libc.SPLICE_F_MOVE | Libc.SPLICE_F_NONBLOCK);
            if (r > 0)
            {
                Pending = r;
                count(r);
                budget--;
                continue;
            }
            if (r == 0)
            {
                Eof = true;
                continue;
            }
            var err = Libc.Errno;
            if (err == Libc.EAGAIN)
            {
                fromReadable = false;
                return true;
            }
            if (err != Libc.EINTR)
            {
                return false;
            }
        }
        return true;
    }
}
