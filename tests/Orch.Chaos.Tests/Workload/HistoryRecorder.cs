using System.Diagnostics;
using Orch.Chaos.Tests.Checking;

namespace Orch.Chaos.Tests.Workload;

/// <summary>The history of a run: every client call with its times on one monotonic clock. Thread-safe.</summary>
internal sealed class HistoryRecorder
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<OpRecord> ops = [];
    private readonly Lock gate = new();
    private long next;

    public TimeSpan Now => clock.Elapsed;

    public long NextId() => Interlocked.Increment(ref next);

    public void Add(OpRecord op)
    {
        lock (gate)
        {
            ops.Add(op);
        }
    }

    public IReadOnlyList<OpRecord> Snapshot()
    {
        lock (gate)
        {
            return [.. ops.OrderBy(o => o.Start)];
        }
    }
}
