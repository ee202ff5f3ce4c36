using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// Waits for a service to converge after create/update/scale/rollback, printing docker/cli's progress:
/// redrawn in place on a terminal, changed lines only otherwise. Polls InspectService and ListTasks.
/// Converged = every desired task of the current spec Running (and the update, if any, completed),
/// then still so for the update monitor period ("verify: Waiting …"). Fails (exit 1) on a paused update or
/// rollback, on an unrequested rollback, when new tasks keep failing, or after <see cref="MaxWait"/>.
/// </summary>
internal sealed class ConvergeWatcher(CliContext ctx, string serviceId, bool rollback, UpdateStatus? before, TextWriter output, bool tty)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private int drawn;
    private readonly HashSet<string> printed = new(StringComparer.Ordinal);

    public async Task<int> WaitAsync(CancellationToken ct)
    {
        var control = ctx.Control();
        var started = DateTimeOffset.UtcNow;
        DateTimeOffset? convergedAt = null;
        var failedSeen = new HashSet<string>(StringComparer.Ordinal);
        var lastError = "";
        while (true)
        {
            var service = await control.InspectServiceAsync(new InspectServiceRequest { Id = serviceId }, cancellationToken: ct);
            var tasks = (await control.ListTasksAsync(new ListTasksRequest { ServiceId = service.Id }, cancellationToken: ct)).Tasks;
            var desired = await DesiredAsync(control, service, ct);
            var lines = ConvergeRenderer.Render(service, tasks, desired, tty);
            var current = ConvergeRenderer.Current(service, tasks);
            foreach (var t in tasks.Where(t => t.SpecVersion == service.SpecVersion && t.Status?.State is TaskState.Failed or TaskState.Rejected))
            {
                if (failedSeen.Add(t.Id))
                {
                    lastError = t.Status.Error.Length > 0 ? t.Status.Error : t.Status.Message;
                }
            }
            // A status left from an earlier update (unchanged since before our write) says nothing about this one.
            var fresh = service.UpdateStatus is { } us && !(before is not null && us.State == before.State && Equals(us.StartedAt, before.StartedAt));
            var state = fresh ? service.UpdateStatus!.State : UpdateState.Unknown;
            var failure = state switch
            {
                UpdateState.Paused => "update paused: " + service.UpdateStatus!.Message,
                UpdateState.RollbackPaused => "rollback paused: " + service.UpdateStatus!.Message,
                UpdateState.RollbackCompleted when !rollback => "service rolled back: " + service.UpdateStatus!.Message,
                _ when failedSeen.Count >= (int)desired + 3 => $"tasks keep failing ({failedSeen.Count} failed): {lastError}",
                _ => null,
            };
            var allRunning = current.Count == (int)desired && current.Values.All(t => t.Status?.State == TaskState.Running);
            var updateDone = state is UpdateState.Unknown or UpdateState.Completed or UpdateState.RollbackCompleted;
            convergedAt = allRunning && updateDone && failure is null ? convergedAt ?? RunningSince(current.Values, DateTimeOffset.UtcNow) : null;
            var monitor = service.Spec.UpdateConfig?.Monitor?.ToTimeSpan() ?? TimeSpan.FromSeconds(5);
            if (convergedAt is { } at && DateTimeOffset.UtcNow - at >= monitor)
            {
                lines.Add("verify: Service converged");
                Draw(lines);
                return 0;
            }
            if (convergedAt is { } since)
            {
                var left = Math.Max(1, (int)Math.Ceiling((monitor - (DateTimeOffset.UtcNow - since)).TotalSeconds));
                lines.Add($"verify: Waiting {left} seconds to verify that tasks are stable...");
            }
            else if (state == UpdateState.RollbackStarted)
            {
                lines.Add("rollback: " + service.UpdateStatus!.Message);
            }
            Draw(lines);
            if (failure is not null)
            {
                throw new CliException(failure, 1);
            }
            if (DateTimeOffset.UtcNow - started > MaxWait)
            {
                var running = current.Values.Count(t => t.Status?.State == TaskState.Running);
                throw new CliException($"gave up after {ServiceUnits.Format(MaxWait)} waiting for service {service.Spec.Name} to converge: " +
                    $"{running} of {desired} tasks running, update state {state.ToString().ToLowerInvariant()}", 1);
            }
            // Not past the end of the verify period: the last poll then adds no latency of its own.
            var wait = PollInterval;
            if (convergedAt is { } end && end + monitor - DateTimeOffset.UtcNow < wait)
            {
                wait = TimeSpan.FromTicks(Math.Max(0, (end + monitor - DateTimeOffset.UtcNow).Ticks));
            }
            await global::System.Threading.Tasks.Task.Delay(wait, ct);
        }
    }

    /// <summary>
    /// When the tasks became Running: the newest of their status times, so that the verify period runs from
    /// the start itself and not from the poll that saw it. Trusted for at most one poll interval back (the
    /// times come from the nodes' clocks, which may differ from this one).
    /// </summary>
    internal static DateTimeOffset RunningSince(IEnumerable<Api.V1.Objects.Task> running, DateTimeOffset seen)
    {
        var latest = running.Select(t => t.Status?.Timestamp?.ToDateTimeOffset()).Max() ?? seen;
        return latest > seen ? seen : latest < seen - PollInterval ? seen - PollInterval : latest;
    }

    private static async Task<ulong> DesiredAsync(Control.ControlClient control, Api.V1.Objects.Service service, CancellationToken ct)
    {
        if (service.Spec.Mode != ServiceMode.Global)
        {
            return service.Spec.HasReplicas ? service.Spec.Replicas : 1;
        }
        var list = await control.ListServicesAsync(new ListServicesRequest { Names = { service.Id } }, cancellationToken: ct);
        return list.DesiredTasks.TryGetValue(service.Id, out var n) ? n : 0;
    }

    private void Draw(List<string> lines)
    {
        if (tty)
        {
            // Move up over the previous frame and rewrite it; clear each line's tail.
            if (drawn > 0)
            {
                output.Write($"\u001b[{drawn}A");
            }
            foreach (var l in lines)
            {
                output.Write("\r\u001b[2K" + l + "\n");
            }
            drawn = lines.Count;
        }
        else
        {
            foreach (var l in lines.Where(printed.Add))
            {
                output.WriteLine(l);
            }
        }
        output.Flush();
    }

    /// <summary>Runs the watcher unless -d; -q discards the progress. Returns the exit code.</summary>
    public static async Task<int> MaybeWaitAsync(CliContext ctx, bool detach, bool quiet, string serviceId, bool rollback, UpdateStatus? before, CancellationToken ct)
    {
        if (detach)
        {
            return 0;
        }
        var watcher = new ConvergeWatcher(ctx, serviceId, rollback, before, quiet ? TextWriter.Null : ctx.Out, !quiet && !Console.IsOutputRedirected);
        try
        {
            return await watcher.WaitAsync(ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new CliException("service " + serviceId + " was removed while waiting for it to converge", 1);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 130;
        }
    }
}
