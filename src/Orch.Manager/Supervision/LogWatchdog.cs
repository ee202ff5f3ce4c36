using Microsoft.Extensions.Logging;

namespace Orch.Manager.Supervision;

/// <summary>
/// Pitfall P1 (notes/dotnext-raft.md §10): DotNext's log flusher can die, leaving a member that
/// neither votes nor replicates until its process restarts. This probes the log periodically;
/// the first failure is reported once through <c>onFailed</c> (the host then exits so that its
/// supervisor restarts it — a restart repairs the member in about a second) and the loop ends.
/// </summary>
internal sealed partial class LogWatchdog(
    Func<CancellationToken, ValueTask> probe, Action<string> onFailed, TimeProvider time, TimeSpan interval, ILogger<LogWatchdog> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await probe(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    LogProbeFailed(e.GetType().Name, e.Message);
                    onFailed($"{e.GetType().Name}: {e.Message}");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Raft log probe failed ({Type}): {Error}")]
    private partial void LogProbeFailed(string type, string error);
}
