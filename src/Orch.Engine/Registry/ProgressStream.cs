using Orch.Engine.IO;

namespace Orch.Engine.Registry;

/// <summary>
/// A read-only pass-through that reports how many bytes went through it, for the per-layer progress bar of
/// pull and push. Reports come at most once per <paramref name="interval"/> (the first read reports at
/// once) so a fast local transfer does not flood the client with messages.
/// </summary>
internal sealed class ProgressStream(Stream inner, Func<long, ValueTask> report, TimeSpan interval, TimeProvider time) : ReadOnlyStream
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    private long current;
    private long last = long.MinValue;

    public ProgressStream(Stream inner, Func<long, ValueTask> report)
        : this(inner, report, DefaultInterval, TimeProvider.System)
    {
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer, ct);
        if (n > 0)
        {
            current += n;
            var now = time.GetTimestamp();
            if (last == long.MinValue || time.GetElapsedTime(last, now) >= interval)
            {
                last = now;
                await report(current);
            }
        }
        return n;
    }

    public override long Length => inner.Length;
    public override long Position { get => current; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
