namespace Orch.Engine.Network;

/// <summary>
/// Group commit of the lease file. Changes are made in memory under the gate; the fsynced write happens
/// outside it, under the flush gate, and one write carries every change made before its snapshot. While one
/// write is in flight the attaches that allocated meanwhile wait for the next, which then persists them all:
/// 27 concurrent attaches of a scale-up cost a few fsyncs instead of 27 in a row under the gate.
/// Lock order: flush gate, then gate (never the flush gate while holding the gate).
/// </summary>
public sealed partial class BridgeNetworkDriver
{
    private readonly SemaphoreSlim flushGate = new(1, 1);

    /// <summary>Returns once the lease table as of <paramref name="version"/> (or later) is on disk. Call without the gate.</summary>
    private async Task CommitAsync(long version)
    {
        // Not cancellable: a caller that made a change must not act on it (or give up) before it is durable or failed.
        await flushGate.WaitAsync(CancellationToken.None);
        try
        {
            if (leases.Durable >= version)
            {
                return;
            }
            byte[] body;
            long snapshot;
            await gate.WaitAsync(CancellationToken.None);
            try
            {
                (body, snapshot) = leases.Snapshot();
            }
            finally
            {
                gate.Release();
            }
            leases.Write(body, snapshot);
        }
        finally
        {
            flushGate.Release();
        }
    }

    /// <summary>Makes the current in-memory table durable. Call without the gate.</summary>
    private async Task CommitCurrentAsync()
    {
        long version;
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            version = leases.Version;
        }
        finally
        {
            gate.Release();
        }
        await CommitAsync(version);
    }
}
