using Orch.Engine.Linux;
using Orch.Engine.Runtime.Cgroups;

namespace Orch.Engine.Runtime;

internal sealed partial class ContainerRuntime
{
    /// <summary>docker stop: the stop signal, then SIGKILL after the timeout; returns once exited.</summary>
    public async Task StopAsync(string reference, int? timeoutSeconds, CancellationToken ct)
    {
        var c = Get(reference);
        Task<int> exited;
        // Under the lifecycle lock: a restart due after an exit either happened already (and is
        // stopped below) or sees ManuallyStopped and does not happen.
        await c.Live.Lifecycle.WaitAsync(ct);
        try
        {
            c.State.ManuallyStopped = true;
            exited = c.Live.Exited.Task;
            if (!c.State.Running)
            {
                store.Save(c);
                return;
            }
        }
        finally
        {
            c.Live.Lifecycle.Release();
        }
        var timeout = TimeSpan.FromSeconds(timeoutSeconds ?? c.Config.StopTimeout);
        await SignalAsync(c, Signals.Parse(c.Config.StopSignal), ct);
        LogStopping(c.Id, c.Config.StopSignal, (int)timeout.TotalSeconds);
        if (timeout > TimeSpan.Zero && await Task.WhenAny(exited, Task.Delay(timeout, time, ct)) == exited)
        {
            return;
        }
        await SignalAsync(c, 9, ct);
        KillCgroup(c.Live.Cgroup);
        await exited.WaitAsync(ct);
    }

    /// <summary>docker kill: one signal (default SIGKILL); does not wait.</summary>
    public async Task KillAsync(string reference, string signal, CancellationToken ct)
    {
        var c = Get(reference);
        var sig = Signals.Parse(string.IsNullOrEmpty(signal) ? "KILL" : signal);
        if (!c.State.Running)
        {
            throw new RuntimeException(RuntimeError.FailedPrecondition, $"Cannot kill container: {reference}: container {c.Id} is not running");
        }
        if (sig == 9)
        {
            c.State.ManuallyStopped = true;
        }
        await SignalAsync(c, sig, ct);
        if (sig == 9)
        {
            await c.Live.Exited.Task.WaitAsync(ct);
        }
    }

    public async Task RestartAsync(string reference, int? timeoutSeconds, CancellationToken ct)
    {
        await StopAsync(reference, timeoutSeconds, ct);
        await StartAsync(reference, ct);
    }

    private async Task SignalAsync(ContainerRecord c, int sig, CancellationToken ct)
    {
        if (c.Live.Monitor is { } m)
        {
            // The monitor is the parent of the init: it signals a pid that cannot have been reused.
            await m.SignalAsync(sig, ct);
        }
        else if (c.State.Pid > 0 && Libc.ProcessStartTime(c.State.MonitorPid) == c.State.MonitorStartTime)
        {
            Libc.Kill(c.State.Pid, sig);
        }
    }

    /// <summary>Blocks until the container is not running; returns its exit code.</summary>
    public async Task<(int ExitCode, bool OomKilled)> WaitAsync(string reference, CancellationToken ct)
    {
        var c = Get(reference);
        if (c.State.Running)
        {
            await c.Live.Exited.Task.WaitAsync(ct);
        }
        return (c.State.ExitCode, c.State.OomKilled);
    }

    /// <summary>docker rm [-f]: nothing of the container remains (mount, cgroup, network, files).</summary>
    public async Task RemoveAsync(string reference, bool force, bool removeVolumes, CancellationToken ct)
    {
        var c = Get(reference);
        if (c.State.Running)
        {
            if (!force)
            {
                throw new RuntimeException(RuntimeError.FailedPrecondition,
                    $"cannot remove container \"/{c.Name}\": container is running: stop the container before removing or force remove");
            }
            c.State.ManuallyStopped = true;
            var exited = c.Live.Exited.Task;
            await SignalAsync(c, 9, ct);
            KillCgroup(c.Live.Cgroup);
            await exited.WaitAsync(TimeSpan.FromSeconds(30), ct);
        }
        await c.Live.Lifecycle.WaitAsync(ct);
        try
        {
            if (store.Find(c.Id) is null)
            {
                return;
            }
            RemoveFiles(c);
        }
        finally
        {
            c.Live.Lifecycle.Release();
        }
        if (removeVolumes && volumes is not null)
        {
            foreach (var m in c.HostConfig.Mounts.Where(m => m.Type == "volume"))
            {
                var v = volumes.Get(m.Name);
                if (v is { Anonymous: true } && !VolumeInUse(m.Name))
                {
                    volumes.Remove(m.Name, force: false, VolumeInUse);
                }
            }
        }
    }

    /// <summary>
    /// SIGKILL to whatever is left in the group. The run may end (and its exit handling delete the
    /// group) at the same moment: a group that vanished under us is not a failure.
    /// </summary>
    private void KillCgroup(ICgroup? cgroup)
    {
        try
        {
            cgroup?.KillAll();
        }
        catch (Exception e) when (e is CgroupException or IOException or UnauthorizedAccessException)
        {
            LogCleanupFailed(cgroup!.Name, e.Message);
        }
    }

    private void RemoveFiles(ContainerRecord c)
    {
        snapshots.Remove(c.Id);
        store.Remove(c);
        LogRemoved(c.Id);
    }

    /// <summary>docker container prune: removes every container that is not running.</summary>
    public async Task<IReadOnlyList<string>> PruneAsync(CancellationToken ct)
    {
        var removed = new List<string>();
        foreach (var c in store.All().Where(c => !c.State.Running))
        {
            await RemoveAsync(c.Id, force: false, removeVolumes: false, ct);
            removed.Add(c.Id);
        }
        return removed;
    }
}
