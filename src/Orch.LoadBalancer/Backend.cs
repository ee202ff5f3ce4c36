using System.Net;

namespace Orch.LoadBalancer;

/// <summary>
/// One task behind a published port, with this node's counters for it. The counters live as long
/// as the task stays in the table (they survive table updates that keep the task).
/// </summary>
internal sealed class Backend(string taskId, string nodeId, IPEndPoint endPoint)
{
    private long connections;
    private long failures;
    private long bytesIn;
    private long bytesOut;
    private long active;

    public string TaskId { get; } = taskId;
    public string NodeId { get; } = nodeId;
    public IPEndPoint EndPoint { get; set; } = endPoint;
    public bool Healthy { get; set; }
    public bool Draining { get; set; }

    /// <summary>A task of this node that its agent no longer lets take new connections (stopping, exited), before the table says so.</summary>
    public bool Withdrawn { get; set; }

    /// <summary>The kernel fast path has a DNAT rule for it: connections that reach the listener on a non-loopback address skip it.</summary>
    public bool KernelHandled { get; set; }

    /// <summary>Until when a connect failure keeps it at the back of the rotation (passive check).</summary>
    public DateTimeOffset SuspectUntil { get; set; }

    public long Connections => Interlocked.Read(ref connections);
    public long Failures => Interlocked.Read(ref failures);
    /// <summary>Bytes from clients to the task.</summary>
    public long BytesIn => Interlocked.Read(ref bytesIn);
    /// <summary>Bytes from the task to clients.</summary>
    public long BytesOut => Interlocked.Read(ref bytesOut);
    public long Active => Interlocked.Read(ref active);

    public void Connected()
    {
        Interlocked.Increment(ref connections);
        Interlocked.Increment(ref active);
    }

    public void Closed() => Interlocked.Decrement(ref active);

    public void Failed() => Interlocked.Increment(ref failures);

    public void AddIn(long n) => Interlocked.Add(ref bytesIn, n);

    public void AddOut(long n) => Interlocked.Add(ref bytesOut, n);

    private long kernelConnections;
    private long kernelBytesIn;
    private long kernelBytesOut;
    private long forwardedPackets;

    /// <summary>Fast-path packets of map entries that were removed (the backend left the plan).</summary>
    public long ForwardedFolded => Interlocked.Read(ref forwardedPackets);

    public void FoldForwarded(long packets) => Interlocked.Add(ref forwardedPackets, packets);

    /// <summary>Kernel counters of rules that were replaced (a rule's counters start at zero again).</summary>
    public (long Connections, long BytesIn, long BytesOut) KernelFolded =>
        (Interlocked.Read(ref kernelConnections), Interlocked.Read(ref kernelBytesIn), Interlocked.Read(ref kernelBytesOut));

    public void FoldKernel(long connections, long bytesIn, long bytesOut)
    {
        Interlocked.Add(ref kernelConnections, connections);
        Interlocked.Add(ref kernelBytesIn, bytesIn);
        Interlocked.Add(ref kernelBytesOut, bytesOut);
    }
}
