using Orch.Engine.Linux;

namespace Orch.Engine.Runtime;

internal sealed partial class ContainerRuntime : IAsyncDisposable
{
    /// <summary>
    /// Daemon start: reload every container. A running one whose monitor is still the same process
    /// (pid and start time, so a reused pid is not mistaken for it) is watched again; one whose monitor
    /// is gone exited while the daemon was away (or the machine rebooted) and is handled as an exit,
    /// which applies its restart policy. "always" and "unless-stopped" containers are started, as
    /// Docker does on daemon start.
    /// </summary>
    public async Task RecoverAsync(CancellationToken ct)
    {
        store.Load();
        foreach (var c in store.All())
        {
            if (c.State.Running)
            {
                var alive = c.State.MonitorPid > 0 && Libc.ProcessStartTime(c.State.MonitorPid) == c.State.MonitorStartTime;
                var monitor = alive ? await MonitorClient.ConnectAsync(MonitorSocket(c.Id), ct) : null;
                if (monitor is not null)
                {
                    c.Live.Monitor = monitor;
                    c.Live.Cgroup = cgroups?.Open(c.Id);
                    LogRecovered(c.Id, c.State.Pid);
                    _ = WatchAsync(c, monitor, c.State.Pid);
                    continue;
                }
                LogMonitorGone(c.Id, c.State.MonitorPid);
                await OnExitedAsync(c, c.State.Pid, null);
                continue;
            }
            var autostart = c.HostConfig.RestartPolicy == "always"
                || (c.HostConfig.RestartPolicy == "unless-stopped" && !c.State.ManuallyStopped);
            if (autostart)
            {
                try
                {
                    await StartAsync(c.Id, ct);
                }
                catch (RuntimeException e)
                {
                    LogStartFailed(c.Id, e.Message);
                }
            }
        }
    }

    /// <summary>Daemon stop: stop watching; containers keep running under their monitors.</summary>
    public ValueTask DisposeAsync()
    {
        shutdown.Cancel();
        foreach (var c in store.All())
        {
            c.Live.Monitor?.Dispose();
        }
        shutdown.Dispose();
        return ValueTask.CompletedTask;
    }
}
