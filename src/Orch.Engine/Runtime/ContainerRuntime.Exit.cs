using System.Globalization;

namespace Orch.Engine.Runtime;

internal sealed partial class ContainerRuntime
{
    public string LogPath(string id) => Path.Combine(store.Dir(id), "container.log");

    /// <summary>Forwards the monitor's frames to attached clients until the container exits.</summary>
    private async Task WatchAsync(ContainerRecord c, MonitorClient monitor, int pid)
    {
        int? code = null;
        try
        {
            while (await monitor.ReadAsync(shutdown.Token) is { } frame)
            {
                switch (frame.Type)
                {
                    case 'o':
                        c.Live.Publish(new StdioEvent(1, frame.Data, null));
                        break;
                    case 'e':
                        c.Live.Publish(new StdioEvent(2, frame.Data, null));
                        break;
                    case 'x':
                        code = frame.ExitCode;
                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Daemon shutdown: the container keeps running; the next daemon reconnects.
            return;
        }
        await OnExitedAsync(c, pid, code);
    }

    /// <summary>
    /// The run that started <paramref name="pid"/> ended: read the exit file, release what the run held
    /// (cgroup, network, rootfs mount), then apply --rm or the restart policy.
    /// </summary>
    private async Task OnExitedAsync(ContainerRecord c, int pid, int? frameCode)
    {
        bool restart;
        int code;
        await c.Live.Lifecycle.WaitAsync();
        try
        {
            if (c.State.Pid != pid || !c.State.Running)
            {
                return;
            }
            code = ReadExitFile(c.Id) ?? frameCode ?? 255;
            var oom = false;
            try
            {
                oom = (c.Live.Cgroup ?? (cgroups is not null ? cgroups.Open(c.Id) : null))?.OomKilled() ?? false;
            }
            catch (Exception e) when (e is Cgroups.CgroupException or IOException or UnauthorizedAccessException)
            {
                LogCleanupFailed(c.Id, e.Message);
            }
            await ReleaseRunAsync(c);
            c.State.Status = "exited";
            c.State.ExitCode = code;
            c.State.OomKilled = oom;
            c.State.Pid = 0;
            c.State.MonitorPid = 0;
            c.State.FinishedAt = time.GetUtcNow();
            restart = ShouldRestart(c, code);
            if (c.HostConfig.AutoRemove && !restart)
            {
                RemoveFiles(c);
            }
            else
            {
                store.Save(c);
            }
            LogExited(c.Id, code, oom);
        }
        finally
        {
            c.Live.Lifecycle.Release();
        }
        c.Live.Publish(new StdioEvent(0, [], code));
        c.Live.Exited.TrySetResult(code);
        if (restart)
        {
            _ = RestartLaterAsync(c);
        }
    }

    private async Task ReleaseRunAsync(ContainerRecord c)
    {
        c.Live.Monitor?.Dispose();
        c.Live.Monitor = null;
        var cgroup = c.Live.Cgroup ?? (cgroups is not null && c.State.Pid != 0 ? cgroups.Open(c.Id) : null);
        KillCgroup(cgroup);
        TryDeleteCgroup(cgroup);
        c.Live.Cgroup = null;
        if (c.HostConfig.NetworkMode == "bridge" && network is not null)
        {
            try
            {
                await network.DetachAsync(c.Id, CancellationToken.None);
            }
            catch (Exception e)
            {
                LogCleanupFailed(c.Id, e.Message);
            }
        }
        c.Network = null;
        snapshots.Unmount(c.Id);
    }

    private static bool ShouldRestart(ContainerRecord c, int code) => c.HostConfig.RestartPolicy switch
    {
        "always" => !c.State.ManuallyStopped,
        "unless-stopped" => !c.State.ManuallyStopped,
        "on-failure" => !c.State.ManuallyStopped && code != 0
            && (c.HostConfig.MaximumRetryCount == 0 || c.State.RestartCount < c.HostConfig.MaximumRetryCount),
        _ => false,
    };

    /// <summary>Docker's back-off: 100 ms doubling per consecutive restart, at most 1 minute.</summary>
    private async Task RestartLaterAsync(ContainerRecord c)
    {
        var delay = TimeSpan.FromMilliseconds(Math.Min(60_000, 100 * Math.Pow(2, Math.Min(c.State.RestartCount, 10))));
        try
        {
            await Task.Delay(delay, time, shutdown.Token);
            await c.Live.Lifecycle.WaitAsync(shutdown.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (store.Find(c.Id) is null || c.State.Running || c.State.ManuallyStopped)
            {
                return;
            }
            c.State.RestartCount++;
            await StartLockedAsync(c, shutdown.Token);
        }
        catch (Exception e)
        {
            LogStartFailed(c.Id, e.Message);
        }
        finally
        {
            c.Live.Lifecycle.Release();
        }
    }

    private int? ReadExitFile(string id)
    {
        var path = Path.Combine(ExecDir(id), "exit");
        try
        {
            var lines = File.ReadAllLines(path);
            return lines.Length > 0 && int.TryParse(lines[0], CultureInfo.InvariantCulture, out var code) ? code : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
