using Orch.Api.V1.Objects;

namespace Orch.Agent.Worker;

/// <summary>How a task's wait for the load balancers ended.</summary>
public enum DrainOutcome
{
    /// <summary>Every Ready node's balancer confirmed it sends the task no new connection.</summary>
    Drained,
    /// <summary>A table that came after the wait began does not list the task: no balancer has it to send to.</summary>
    NotPublished,
    /// <summary>Not confirmed in time (a node that stopped answering but is not marked Down yet).</summary>
    TimedOut,
}

/// <summary>
/// Tells a task runner when the cluster's load balancers have stopped sending its task new connections (issue 6):
/// the dispatcher marks a backend drained in the endpoint table once every Ready node's balancer has applied a table
/// that keeps it out. Fed with every table the session receives.
/// </summary>
public sealed class DrainSignals(TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly List<Waiter> waiters = [];
    private HashSet<string> drained = [];
    private HashSet<string> listed = [];
    private long tables;

    private sealed record Waiter(string TaskId, long After, TaskCompletionSource<DrainOutcome> Done);

    public void Observe(EndpointTable table)
    {
        var backends = table.Endpoints.SelectMany(e => e.Backends).ToList();
        // A task with several published ports is drained when every one of its backends is.
        var nowDrained = backends.GroupBy(b => b.TaskId, StringComparer.Ordinal).Where(g => g.All(b => b.Drained))
            .Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var nowListed = backends.Select(b => b.TaskId).ToHashSet(StringComparer.Ordinal);
        List<(Waiter, DrainOutcome)> done = [];
        lock (gate)
        {
            tables++;
            drained = nowDrained;
            listed = nowListed;
            foreach (var w in waiters)
            {
                if (drained.Contains(w.TaskId))
                {
                    done.Add((w, DrainOutcome.Drained));
                }
                else if (!listed.Contains(w.TaskId) && tables > w.After)
                {
                    done.Add((w, DrainOutcome.NotPublished));
                }
            }
        }
        foreach (var (w, outcome) in done)
        {
            w.Done.TrySetResult(outcome);
        }
    }

    /// <summary>Waits until the task is drained (or not published at all), at most <paramref name="max"/>.</summary>
    public async Task<DrainOutcome> WaitAsync(string taskId, TimeSpan max, CancellationToken ct)
    {
        Waiter w;
        lock (gate)
        {
            if (drained.Contains(taskId))
            {
                return DrainOutcome.Drained;
            }
            w = new Waiter(taskId, tables, new TaskCompletionSource<DrainOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
            waiters.Add(w);
        }
        try
        {
            return await w.Done.Task.WaitAsync(max, time, ct);
        }
        catch (TimeoutException)
        {
            return DrainOutcome.TimedOut;
        }
        finally
        {
            lock (gate)
            {
                waiters.Remove(w);
            }
        }
    }
}
