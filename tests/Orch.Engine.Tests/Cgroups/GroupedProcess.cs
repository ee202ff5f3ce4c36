using System.Diagnostics;
using Orch.Engine.Runtime.Cgroups;

namespace Orch.Engine.Tests.Cgroups;

/// <summary>
/// A busybox shell that waits on stdin until it has joined a cgroup, then runs <c>script</c>; so every byte it
/// allocates and every process it forks is inside the group. Killed by PID on dispose if still running.
/// </summary>
internal sealed class GroupedProcess : IDisposable
{
    private const string Busybox = "/bin/busybox";
    private readonly Process process;
    private readonly Task<string> stdout;
    private readonly Task<string> stderr;
    private Task<TimeSpan>? wall;

    private GroupedProcess(Process process)
    {
        this.process = process;
        stdout = process.StandardOutput.ReadToEndAsync();
        stderr = process.StandardError.ReadToEndAsync();
    }

    public int Pid => process.Id;

    /// <summary>Starts <c>sh -c 'read go; SCRIPT'</c>, adds it to <paramref name="group"/>, then lets it go.</summary>
    public static GroupedProcess Start(ICgroup group, string script)
    {
        if (!File.Exists(Busybox))
        {
            throw new InvalidOperationException($"{Busybox} is missing: install busybox-static (deploy/install-deps.sh)");
        }
        var psi = new ProcessStartInfo(Busybox)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "sh", "-c", "read go; " + script })
        {
            psi.ArgumentList.Add(a);
        }
        var p = new GroupedProcess(Process.Start(psi)!);
        group.AddProcess(p.Pid);
        return p;
    }

    /// <summary>Unblocks the script.</summary>
    public void Go()
    {
        var at = Stopwatch.GetTimestamp();
        process.StandardInput.WriteLine("go");
        process.StandardInput.Flush();
        wall = process.WaitForExitAsync().ContinueWith(_ => Stopwatch.GetElapsedTime(at), TaskScheduler.Default);
    }

    /// <summary>
    /// Waits for exit; .NET reports a death by signal N as 128+N, as a shell would. Wall is the time from
    /// <see cref="Go"/> to the exit.
    /// </summary>
    public async Task<(int ExitCode, string Stdout, string Stderr, TimeSpan Wall)> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"process {Pid} did not exit within {timeout}; stderr so far unknown");
        }
        return (process.ExitCode, await stdout, await stderr, wall is null ? TimeSpan.Zero : await wall);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }
        process.Dispose();
    }
}
