namespace Orch.LoadBalancer.Splice;

/// <summary>A non-blocking connect(2) the pump watches for writability, up to a deadline. Pump-thread only.</summary>
internal sealed class PendingConnect(int fd, long deadline, CancellationToken owner)
{
    /// <summary>
    /// 0 once connected, else the errno (ETIMEDOUT past the deadline, ECANCELED when the owner was
    /// aborted). Continuations run inline on the pump thread: they must not block.
    /// </summary>
    private readonly TaskCompletionSource<int> done = new();

    public int Fd { get; } = fd;
    public long Deadline { get; } = deadline;
    public CancellationToken Owner { get; } = owner;
    public Task<int> Task => done.Task;

    public void Complete(int error) => done.TrySetResult(error);
}
