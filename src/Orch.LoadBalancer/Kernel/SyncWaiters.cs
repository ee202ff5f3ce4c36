namespace Orch.LoadBalancer.Kernel;

/// <summary>
/// Callers waiting for the kernel to follow the plan as it was when they asked (<see cref="KernelPath.SyncedAsync"/>):
/// each gets a number; a sync that read the plan after number N was handed out completes every waiter up to N.
/// </summary>
internal sealed class SyncWaiters
{
    private readonly Lock gate = new();
    private readonly List<(long Number, TaskCompletionSource Done)> waiting = [];
    private long handedOut;

    /// <summary>The newest number handed out: read it before reading the plan.</summary>
    public long Taken
    {
        get
        {
            lock (gate)
            {
                return handedOut;
            }
        }
    }

    public Task Add()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            waiting.Add((++handedOut, done));
        }
        return done.Task;
    }

    public void CompleteUpTo(long number)
    {
        List<TaskCompletionSource> done;
        lock (gate)
        {
            done = [.. waiting.Where(w => w.Number <= number).Select(w => w.Done)];
            waiting.RemoveAll(w => w.Number <= number);
        }
        foreach (var d in done)
        {
            d.TrySetResult();
        }
    }
}
