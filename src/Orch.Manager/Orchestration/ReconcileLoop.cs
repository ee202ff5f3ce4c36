using Microsoft.Extensions.Logging;
using Orch.Api.V1.Objects;
using Orch.Manager.State;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Orchestration;

/// <summary>
/// The "doing" half shared by every leader-only loop: read a <see cref="ClusterView"/>, ask the
/// component's pure decider, propose what it decided, then sleep until the store changes or the
/// decider's wake-up time comes (on the injected <see cref="TimeProvider"/>). Deciders are
/// idempotent, so waking for our own writes only costs a pass that decides nothing. Runs until
/// the token (the leadership token) is cancelled.
/// </summary>
internal sealed class ReconcileLoop(
    IReplicatedStore store, TimeProvider time, ILogger logger, string name, Func<ClusterView, DateTimeOffset, Decision> decide)
{
    /// <summary>Ops per proposed command: big enough to batch a scale-up, small enough to keep log entries small.</summary>
    public const int MaxOpsPerCommand = 200;

    private static readonly TimeSpan RetryAfterUnavailable = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken ct)
    {
        using var watch = store.Watch();
        while (!ct.IsCancellationRequested)
        {
            DateTimeOffset? wakeAt;
            try
            {
                var view = store.ReadLocal(ClusterView.Of);
                var decision = decide(view, time.GetUtcNow());
                await ProposeAsync(decision.Ops, ct);
                wakeAt = decision.WakeAt;
            }
            catch (StoreUnavailableException e)
            {
                OrchestrationLog.StoreUnavailable(logger, name, e.Message);
                wakeAt = time.GetUtcNow() + RetryAfterUnavailable;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            await WaitAsync(watch, wakeAt, ct);
        }
    }

    private async Task ProposeAsync(List<Op> ops, CancellationToken ct)
    {
        for (var i = 0; i < ops.Count; i += MaxOpsPerCommand)
        {
            var command = new Command();
            command.Ops.AddRange(ops.Skip(i).Take(MaxOpsPerCommand));
            var result = await store.ProposeAsync(command, ct);
            if (result.Error != CommandErrorCode.None)
            {
                // Someone changed what we read (or it went away): the change's event wakes us
                // and the next pass decides on fresh state.
                OrchestrationLog.Rejected(logger, name, result.Error, result.Message);
                return;
            }
            OrchestrationLog.Applied(logger, name, command.Ops.Count, result.Index);
        }
    }

    private async Task WaitAsync(StoreWatch watch, DateTimeOffset? wakeAt, CancellationToken ct)
    {
        if (Drain(watch))
        {
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var changed = watch.Events.WaitToReadAsync(stop.Token).AsTask();
        var due = wakeAt is { } at
            ? Task.Delay(Max(at - time.GetUtcNow(), TimeSpan.Zero), time, stop.Token)
            : Task.Delay(Timeout.Infinite, stop.Token);
        await Task.WhenAny(changed, due);
        await stop.CancelAsync();
        Drain(watch);
    }

    // Coalesces every queued event into one pass (the loops re-read everything anyway).
    private static bool Drain(StoreWatch watch)
    {
        var any = false;
        while (watch.Events.TryRead(out _))
        {
            any = true;
        }
        return any;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
