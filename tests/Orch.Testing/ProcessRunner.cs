using System.Diagnostics;
using System.Text;

namespace Orch.Testing;

/// <summary>Result of one command: what a user would see.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"$ {Command}\nexit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>Runs a program to completion with a deadline; kills it (by PID) if the deadline passes.</summary>
public static class ProcessRunner
{
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> args, TimeSpan? timeout = null,
        string? stdin = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }
        var line = file + " " + string.Join(' ', psi.ArgumentList);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start " + file);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
        }
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{line}' did not finish within {timeout ?? TimeSpan.FromSeconds(60)}; output so far: {Trim(await stdout)} {Trim(await stderr)}");
        }
        return new CommandResult(line, p.ExitCode, await stdout, await stderr);
    }

    public static async Task<CommandResult> ShAsync(string script, TimeSpan? timeout = null) =>
        await RunAsync("/bin/sh", ["-c", script], timeout);

    private static string Trim(string s) => s.Length > 2000 ? s[..2000] + "…" : s;
}
