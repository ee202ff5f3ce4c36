using System.Diagnostics;
using System.Globalization;

namespace Orch.Engine.Runtime;

/// <summary>
/// One run of orch-launch (mode run or exec) up to the moment its child execs. The protocol over the
/// launcher's stdin/stdout (native/util.c, sync_with_orchd): it reports "pid CHILD MONITOR"; we join
/// the child to its cgroup and network and answer "go"; it reports "ok" or "err CODE MESSAGE".
/// Closing stdin before "go" makes the launcher kill the child: nothing runs half set up.
/// </summary>
internal sealed class LaunchSession : IDisposable
{
    private readonly Process process;

    private LaunchSession(Process process, int pid, int monitorPid)
    {
        this.process = process;
        Pid = pid;
        MonitorPid = monitorPid;
    }

    /// <summary>Host pid of the container's init (or of the exec'd process).</summary>
    public int Pid { get; }

    /// <summary>Pid of the process that holds stdio and reaps the child (the monitor).</summary>
    public int MonitorPid { get; }

    public static async Task<LaunchSession> StartAsync(string launcher, string mode, string specPath, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(launcher)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(specPath);
        var p = Process.Start(psi) ?? throw new RuntimeException(RuntimeError.Internal, $"cannot start {launcher}");
        try
        {
            var line = await p.StandardOutput.ReadLineAsync(ct);
            var parts = line?.Split(' ');
            if (parts is not ["pid", var child, var monitor])
            {
                var err = (await p.StandardError.ReadToEndAsync(ct)).Trim();
                throw new RuntimeException(RuntimeError.Internal, err.Length > 0 ? err : $"orch-launch {mode} failed before reporting a pid");
            }
            return new LaunchSession(p, int.Parse(child, CultureInfo.InvariantCulture), int.Parse(monitor, CultureInfo.InvariantCulture));
        }
        catch
        {
            p.Dispose();
            throw;
        }
    }

    /// <summary>Releases the child; returns (0, "") once it has exec'd, else its exit code and message.</summary>
    public async Task<(int Code, string Message)> GoAsync(CancellationToken ct)
    {
        await process.StandardInput.WriteAsync("go\n".AsMemory(), ct);
        await process.StandardInput.FlushAsync(ct);
        var line = await process.StandardOutput.ReadLineAsync(ct);
        if (line == "ok")
        {
            return (0, "");
        }
        if (line is not null && line.StartsWith("err ", StringComparison.Ordinal))
        {
            var rest = line[4..];
            var sp = rest.IndexOf(' ');
            var code = int.TryParse(sp > 0 ? rest[..sp] : rest, CultureInfo.InvariantCulture, out var c) ? c : 125;
            return (code, sp > 0 ? rest[(sp + 1)..] : "container failed to start");
        }
        return (125, "orch-launch exited during start");
    }

    /// <summary>Gives up before "go": the launcher kills the child.</summary>
    public void Abort() => process.StandardInput.Close();

    public void Dispose() => process.Dispose();
}
