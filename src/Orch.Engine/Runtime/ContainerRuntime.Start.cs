using Orch.Engine.Linux;
using Orch.Engine.Network;
using Orch.Engine.Runtime.Cgroups;
using Orch.Engine.Snapshots;

namespace Orch.Engine.Runtime;

internal sealed partial class ContainerRuntime
{
    public async Task StartAsync(string reference, CancellationToken ct)
    {
        var c = Get(reference);
        await c.Live.Lifecycle.WaitAsync(ct);
        try
        {
            if (!c.State.Running)
            {
                c.State.ManuallyStopped = false;
                await StartLockedAsync(c, ct);
            }
        }
        finally
        {
            c.Live.Lifecycle.Release();
        }
    }

    /// <summary>
    /// Create the cgroup, mount the rootfs, spawn the launcher, join its child to network and cgroup, record
    /// the run, connect to the monitor (before "go", so no output is missed), release the child.
    /// The child sets up its root filesystem meanwhile (native/container.c). Every step taken is undone
    /// if a later one fails, and the container is left "created" or "exited" with the reason.
    /// </summary>
    private async Task StartLockedAsync(ContainerRecord c, CancellationToken ct)
    {
        var dir = ExecDir(c.Id);
        Directory.CreateDirectory(dir);
        File.Delete(Path.Combine(dir, "exit"));
        c.Live.NewRun();
        LaunchSession? session = null;
        MonitorClient? monitor = null;
        ICgroup? cgroup = null;
        var attached = false;
        var previousStart = c.State.StartedAt;
        Task? saving = null;
        try
        {
            if (cgroups is not null)
            {
                cgroup = cgroups.Create(c.Id, new CgroupLimits(c.HostConfig.Memory, c.HostConfig.NanoCpus, c.HostConfig.PidsLimit));
                PrepareJoin(cgroups);
            }
            var rootfs = snapshots.Mount(c.Id, c.LayerDirs);
            var user = UserResolver.Resolve(rootfs, c.Config.User);
            var specPath = Path.Combine(dir, "spec");
            BuildSpec(c, rootfs, user, dir).WriteTo(specPath);
            session = await LaunchSession.StartAsync(LauncherPath, "run", specPath, ct);
            if (c.HostConfig.NetworkMode == "bridge")
            {
                var net = network ?? throw new RuntimeException(RuntimeError.FailedPrecondition, "network bridge is not available: this daemon has no network driver");
                var a = await net.AttachAsync(c.Id, session.Pid, c.HostConfig.Ports, c.Config.Hostname, ct);
                attached = true;
                c.Network = new NetworkSettings(a.IPAddress, a.PrefixLength, a.Gateway, a.MacAddress, a.HostInterface);
                WriteHostsFile(c, dir);
            }
            // Saved before "go", while the child still sets up its rootfs, and side by side with the cgroup join
            // and the monitor connect: from here on a daemon killed (even -9) finds the monitor on restart and
            // reconnects, or reads the exit file of a start that failed.
            c.State.Status = "running";
            c.State.Pid = session.Pid;
            c.State.MonitorPid = session.MonitorPid;
            c.State.MonitorStartTime = Libc.ProcessStartTime(session.MonitorPid) ?? 0;
            c.State.StartedAt = time.GetUtcNow();
            c.State.ExitCode = 0;
            c.State.OomKilled = false;
            c.State.Error = "";
            saving = Task.Run(() => store.Save(c), CancellationToken.None);
            cgroup?.AddProcess(session.Pid);
            monitor = await MonitorClient.ConnectAsync(MonitorSocket(c.Id), ct)
                ?? throw new RuntimeException(RuntimeError.Internal, "container monitor is not listening");
            await saving;
            var (code, message) = await session.GoAsync(ct);
            if (code != 0)
            {
                // The monitor reaps the child and writes the exit file; wait for it to finish.
                while (await monitor.ReadAsync(ct) is not null)
                {
                }
                throw new RuntimeException(code is 126 or 127 ? RuntimeError.InvalidArgument : RuntimeError.Internal, message, code);
            }
            c.Live.Monitor = monitor;
            c.Live.Cgroup = cgroup;
            LogStarted(c.Id, session.Pid, session.MonitorPid);
            _ = WatchAsync(c, monitor, session.Pid);
        }
        catch (Exception e)
        {
            if (saving is not null)
            {
                // The failure is reported below; its save is overwritten by the one that records it.
                await saving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            session?.Abort();
            monitor?.Dispose();
            if (session is not null)
            {
                // The child never ran (or failed to exec); only the monitor may be left to reap it.
                Libc.Kill(session.Pid, 9);
            }
            if (attached)
            {
                await network!.DetachAsync(c.Id, CancellationToken.None);
            }
            c.Network = null;
            KillCgroup(cgroup);
            TryDeleteCgroup(cgroup);
            snapshots.Unmount(c.Id);
            c.State.StartedAt = previousStart;
            c.State.Status = previousStart is null ? "created" : "exited";
            c.State.ExitCode = e is RuntimeException re ? re.ExitCode : 125;
            c.State.Error = e.Message;
            c.State.Pid = 0;
            c.State.MonitorPid = 0;
            if (store.Find(c.Id) is not null)
            {
                store.Save(c);
            }
            c.Live.Exited.TrySetResult(c.State.ExitCode);
            LogStartFailed(c.Id, e.Message);
            session?.Dispose();
            if (e is RuntimeException)
            {
                throw;
            }
            throw new RuntimeException(RuntimeError.Internal, e.Message);
        }
        session.Dispose();
    }

    /// <summary>
    /// The join (AddProcess) then shares a kernel wait that runs while we mount and spawn (see
    /// <see cref="ICgroupDriver.PrepareJoin"/>). One at a time: a join during one shares its wait anyway, and
    /// many starts at once must not each block a pool thread.
    /// </summary>
    private void PrepareJoin(ICgroupDriver driver)
    {
        if (Interlocked.CompareExchange(ref joinPreparing, 1, 0) != 0)
        {
            return;
        }
        _ = Task.Run(() =>
        {
            try
            {
                driver.PrepareJoin();
            }
            finally
            {
                Volatile.Write(ref joinPreparing, 0);
            }
        }, CancellationToken.None);
    }

    private LaunchSpec BuildSpec(ContainerRecord c, string rootfs, ProcessUser user, string dir)
    {
        var mode = c.HostConfig.NetworkMode;
        var flags = LaunchSpec.CloneNewNs | LaunchSpec.CloneNewUts | LaunchSpec.CloneNewIpc | LaunchSpec.CloneNewPid;
        var spec = new LaunchSpec()
            .Add("sock", MonitorSocket(c.Id))
            .Add("log", LogPath(c.Id))
            .Add("exit", Path.Combine(dir, "exit"))
            .Add("rootfs", rootfs)
            .Add("hostname", c.Config.Hostname);
        if (mode is "bridge" or "none")
        {
            flags |= LaunchSpec.CloneNewNet;
            spec.Add("lo");
        }
        else if (mode.StartsWith("container:", StringComparison.Ordinal))
        {
            var other = Get(mode["container:".Length..]);
            if (!other.State.Running)
            {
                throw new RuntimeException(RuntimeError.FailedPrecondition, $"cannot join network of a non running container: {other.Id}");
            }
            spec.Add("netns", $"/proc/{other.State.Pid}/ns/net");
        }
        spec.Add("clone", "0x" + flags.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        if (c.Config.Tty)
        {
            spec.Add("tty");
        }
        if (c.Config.OpenStdin)
        {
            spec.Add("stdin");
        }
        spec.User(user).Add("cwd", c.Config.WorkingDir.Length > 0 ? c.Config.WorkingDir : "/");
        var argv = c.Config.Argv;
        spec.Add("args", c.HostConfig.Init ? ["/dev/init", "init", "--", .. argv] : [.. argv]);
        spec.Add("env", [.. ProcessEnv(c.Config.Env, c.Config.Hostname, c.Config.Tty, user)]);
        spec.Capabilities().StandardMounts(rootfs);
        if (c.HostConfig.Init)
        {
            spec.Mount(LauncherPath, RootfsPath.Join(rootfs, "/dev") + "/init", "", Libc.MsBind | Libc.MsRdonly, "", isFile: true);
        }
        WriteEtcFiles(c, dir);
        spec.Mount(Path.Combine(dir, "hostname"), RootfsPath.Join(rootfs, "/etc/hostname"), "", Libc.MsBind, "", isFile: true);
        spec.Mount(Path.Combine(dir, "hosts"), RootfsPath.Join(rootfs, "/etc/hosts"), "", Libc.MsBind, "", isFile: true);
        if (mode != "none" && File.Exists("/etc/resolv.conf"))
        {
            File.Copy("/etc/resolv.conf", Path.Combine(dir, "resolv.conf"), overwrite: true);
            spec.Mount(Path.Combine(dir, "resolv.conf"), RootfsPath.Join(rootfs, "/etc/resolv.conf"), "", Libc.MsBind, "", isFile: true);
        }
        foreach (var m in c.HostConfig.Mounts)
        {
            // Resolved inside the rootfs: an image's symlink must not lead a mount out of it.
            var target = RootfsPath.Join(rootfs, m.Destination);
            if (m.Type == "tmpfs")
            {
                spec.Mount("tmpfs", target, "tmpfs", Libc.MsNosuid | Libc.MsNodev | (m.ReadOnly ? Libc.MsRdonly : 0), "mode=1777");
            }
            else
            {
                spec.Mount(m.Source, target, "", Libc.MsBind | (m.ReadOnly ? Libc.MsRdonly : 0), "", isFile: File.Exists(m.Source));
            }
        }
        return spec;
    }

    /// <summary>The environment of the container's process: Docker adds HOSTNAME, HOME and (with -t) TERM.</summary>
    internal static List<string> ProcessEnv(IReadOnlyList<string> env, string hostname, bool tty, ProcessUser user)
    {
        var result = new List<string>(env);
        bool Has(string key) => result.Any(e => e.StartsWith(key + "=", StringComparison.Ordinal));
        if (!Has("HOSTNAME"))
        {
            result.Add("HOSTNAME=" + hostname);
        }
        if (!Has("HOME"))
        {
            result.Add(user.Uid == 0 ? "HOME=/root" : "HOME=/");
        }
        if (tty && !Has("TERM"))
        {
            result.Add("TERM=xterm");
        }
        return result;
    }

    private static void WriteEtcFiles(ContainerRecord c, string dir)
    {
        File.WriteAllText(Path.Combine(dir, "hostname"), c.Config.Hostname + "\n");
        WriteHostsFile(c, dir);
    }

    private static void WriteHostsFile(ContainerRecord c, string dir)
    {
        var hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
        if (c.Network is { } n)
        {
            hosts += $"{n.IPAddress}\t{c.Config.Hostname}\n";
        }
        File.WriteAllText(Path.Combine(dir, "hosts"), hosts);
    }

    private void TryDeleteCgroup(ICgroup? cgroup)
    {
        if (cgroup is null)
        {
            return;
        }
        // The last processes of a killed group take a moment to leave it.
        for (var i = 0; ; i++)
        {
            try
            {
                cgroup.Delete();
                return;
            }
            catch (Exception e) when (i < 50)
            {
                _ = e;
                Thread.Sleep(20);
            }
            catch (Exception e)
            {
                LogCleanupFailed(cgroup.Name, e.Message);
                return;
            }
        }
    }
}
