using System.Diagnostics;

namespace Orch.Testing;

/// <summary>
/// A real orchd process with its own data root, exec root, socket, bridge and subnet, so that
/// several can run at once (test assemblies run in parallel). Stopped with SIGTERM, then SIGKILL, by PID.
/// </summary>
public sealed class TestDaemon : IAsyncDisposable
{
    private static readonly string LockDir = Path.Combine(Path.GetTempPath(), "orch-test-slots");
    private readonly FileStream slotLock;
    private Process? process;

    public string Root { get; }
    public string DataRoot => Path.Combine(Root, "data");
    public string ExecRoot => Path.Combine(Root, "exec");
    public string Socket => Path.Combine(Root, "orchd.sock");
    public string LogFile => Path.Combine(Root, "orchd.log");
    public int Slot { get; }
    public string Bridge => $"orcht{Slot}";
    public string Subnet => $"10.199.{Slot}.0/24";
    public string CgroupParent => $"orch-test-{Slot}";
    public int Pid => process?.Id ?? 0;

    private TestDaemon(int slot, FileStream slotLock)
    {
        Slot = slot;
        this.slotLock = slotLock;
        Root = Path.Combine(Path.GetTempPath(), $"orch-test-{slot}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(Root);
    }

    /// <summary>Flags added to orchd's command line (e.g. --insecure-registry); may change before a restart.</summary>
    public List<string> ExtraArgs { get; } = [];

    /// <summary>Starts a daemon and waits until it answers `orch version`.</summary>
    public static async Task<TestDaemon> StartAsync(params string[] extraArgs)
    {
        Requirements.Root();
        var d = AcquireSlot();
        d.ExtraArgs.AddRange(extraArgs);
        await d.StartProcessAsync();
        return d;
    }

    /// <summary>Starts orchd again on the same state (after <see cref="KillAsync"/> or <see cref="StopAsync"/>).</summary>
    public async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo(Binaries.Orchd)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
                 {
                     "--host", "unix://" + Socket, "--data-root", DataRoot, "--exec-root", ExecRoot,
                     "--bridge", Bridge, "--subnet", Subnet, "--cgroup-parent", CgroupParent, "--log-file", LogFile, "--log-level", "debug",
                     "--cleanup-on-exit",
                 })
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var a in ExtraArgs)
        {
            psi.ArgumentList.Add(a);
        }
        process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        CommandResult? last = null;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"orchd exited with {process.ExitCode} during start; log:\n{ReadLog()}");
            }
            if (File.Exists(Socket))
            {
                last = await OrchAsync("version");
                if (last.ExitCode == 0)
                {
                    return;
                }
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"orchd did not answer 'orch version' within 30 s; last: {last}; log:\n{ReadLog()}");
    }

    /// <summary>Runs the real CLI against this daemon.</summary>
    public Task<CommandResult> OrchAsync(params string[] args) => OrchAsync(TimeSpan.FromSeconds(60), args);

    public Task<CommandResult> OrchAsync(TimeSpan timeout, params string[] args) =>
        ProcessRunner.RunAsync(Binaries.Orch, ["-H", "unix://" + Socket, .. args], timeout);

    /// <summary>kill -9 of orchd only; its containers keep running.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, then SIGKILL after 15 s.</summary>
    public async Task StopAsync()
    {
        if (process is not { HasExited: false })
        {
            return;
        }
        _ = Kill(process.Id, 15);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public string ReadLog() => File.Exists(LogFile) ? File.ReadAllText(LogFile) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            // Remove what the test left so the daemon can clean its network and cgroups.
            var ps = await OrchAsync("ps", "-aq");
            foreach (var id in ps.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                await OrchAsync("rm", "-f", id);
            }
        }
        await StopAsync();
        process?.Dispose();
        LeakCheck.UnmountBelow(Root);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A busy file is reported by the leak checks of the tests themselves.
        }
        slotLock.Dispose();
    }

    private static TestDaemon AcquireSlot()
    {
        Directory.CreateDirectory(LockDir);
        for (var slot = 1; slot < 250; slot++)
        {
            try
            {
                // FileShare.None takes an flock(2): released by the kernel if this process dies.
                var fs = new FileStream(Path.Combine(LockDir, $"{slot}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new TestDaemon(slot, fs);
            }
            catch (IOException)
            {
            }
        }
        throw new InvalidOperationException("no free test daemon slot");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int sig);
}
