using System.Net;
using Orch.Api.V1.Objects;

namespace Orch.LoadBalancer;

/// <summary>
/// The backends of one published port and the round-robin cursor over them (pure logic, thread
/// safe). <see cref="Next"/> hands out healthy, non-draining backends in turn; one that just
/// failed a connect is skipped while others are available. Table updates keep the cursor and the
/// counters of backends that remain.
/// </summary>
internal sealed class BackendPool(TimeProvider time)
{
    /// <summary>How long a backend that refused or timed out a connect is passed over.</summary>
    public static readonly TimeSpan SuspectFor = TimeSpan.FromSeconds(5);

    private readonly Lock gate = new();
    private Backend[] backends = [];
    private int cursor;
    private int remainderCursor;

    public ServiceEndpoint? Endpoint { get; private set; }

    public IReadOnlyList<Backend> Backends
    {
        get
        {
            lock (gate)
            {
                return backends;
            }
        }
    }

    /// <summary>Replaces the backends with the table's, in the table's order (task id).</summary>
    public void Update(ServiceEndpoint endpoint)
    {
        lock (gate)
        {
            var old = backends.ToDictionary(b => b.TaskId, StringComparer.Ordinal);
            var next = new List<Backend>();
            foreach (var e in endpoint.Backends)
            {
                if (!IPAddress.TryParse(e.Address, out var ip))
                {
                    continue;
                }
                var ep = new IPEndPoint(ip, (int)e.Port);
                if (!old.TryGetValue(e.TaskId, out var b))
                {
                    b = new Backend(e.TaskId, e.NodeId, ep);
                }
                b.EndPoint = ep;
                b.Healthy = e.Healthy;
                b.Draining = e.Draining;
                next.Add(b);
            }
            backends = [.. next];
            Endpoint = endpoint;
        }
    }

    /// <summary>
    /// The next backend for a new connection, skipping <paramref name="tried"/> ones; null when no
    /// eligible backend is left. Suspect backends are used only when nothing else is eligible.
    /// <paramref name="remainder"/>: the connection came past the kernel fast path (a non-loopback
    /// address), which already took its share for the backends it serves; walk the others with their own
    /// cursor, and fall back to the kernel's ones only when none of the others is left.
    /// </summary>
    public Backend? Next(IReadOnlySet<Backend>? tried = null, bool remainder = false)
    {
        lock (gate)
        {
            if (remainder && backends.Any(b => b.KernelHandled))
            {
                if (Pick(ref remainderCursor, tried, kernel: false, suspects: false) is { } b)
                {
                    return b;
                }
            }
            return Pick(ref cursor, tried, kernel: true, suspects: true);
        }
    }

    private Backend? Pick(ref int from, IReadOnlySet<Backend>? tried, bool kernel, bool suspects)
    {
        var now = time.GetUtcNow();
        Backend? fallback = null;
        var fallbackAt = 0;
        for (var i = 0; i < backends.Length; i++)
        {
            var at = (from + i) % backends.Length;
            var b = backends[at];
            if (!b.Healthy || b.Draining || b.Withdrawn || (!kernel && b.KernelHandled) || tried?.Contains(b) == true)
            {
                continue;
            }
            if (b.SuspectUntil > now)
            {
                if (fallback is null)
                {
                    (fallback, fallbackAt) = (b, at);
                }
                continue;
            }
            from = (at + 1) % backends.Length;
            return b;
        }
        if (fallback is null || !suspects)
        {
            return null;
        }
        from = (fallbackAt + 1) % backends.Length;
        return fallback;
    }

    /// <summary>Called after a backend became suspect (the kernel path plans again without it).</summary>
    public Action? Suspected { get; init; }

    /// <summary>A connect to <paramref name="b"/> was refused or timed out (or its node left connections unanswered).</summary>
    public void MarkFailed(Backend b)
    {
        b.Failed();
        b.SuspectUntil = time.GetUtcNow() + SuspectFor;
        Suspected?.Invoke();
    }

    /// <summary>A connect succeeded: the backend is trusted again at once.</summary>
    public static void MarkConnected(Backend b)
    {
        b.SuspectUntil = default;
        b.Connected();
    }
}
