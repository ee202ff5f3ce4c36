using System.Diagnostics;
using Orch.Testing;

namespace Orch.Engine.Tests.Network;

/// <summary>
/// A real process in a fresh network namespace, standing in for a container: `unshare --net CMD` unshares
/// and then execs CMD, so the PID we start is the one holding the namespace. Killed by PID on dispose.
/// </summary>
internal sealed class NetnsProcess : IAsyncDisposable
{
    private readonly Process process;
    private bool disposed;

    private NetnsProcess(Process process) => this.process = process;

    public int Pid => process.Id;

    public static async Task<NetnsProcess> StartAsync(params string[] command)
    {
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--net");
        foreach (var a in command)
        {
            psi.ArgumentList.Add(a);
        }
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var self = new FileInfo("/proc/self/ns/net").LinkTarget;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (p.HasExited)
            {
                throw new InvalidOperationException($"unshare --net {string.Join(' ', command)} exited with {p.ExitCode}");
            }
            try
            {
                // Ready once unshare has exec'd the command: the namespace is then final.
                if (new FileInfo($"/proc/{p.Id}/ns/net").LinkTarget is { } ns && ns != self
                    && File.ReadAllText($"/proc/{p.Id}/comm").Trim() != "unshare")
                {
                    return new NetnsProcess(p);
                }
            }
            catch (IOException)
            {
            }
            await Task.Delay(5);
        }
        p.Kill();
        throw new TimeoutException($"process {p.Id} never entered a new network namespace");
    }

    public static Task<NetnsProcess> SleepAsync() => StartAsync("sleep", "300");

    /// <summary>Runs a command inside this process's network namespace (host filesystem).</summary>
    public Task<CommandResult> RunInAsync(params string[] command) =>
        ProcessRunner.RunAsync("nsenter", ["-t", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", .. command], TimeSpan.FromSeconds(20));

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
