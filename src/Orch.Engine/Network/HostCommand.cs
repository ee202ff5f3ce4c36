using System.Diagnostics;

namespace Orch.Engine.Network;

/// <summary>
/// Runs ip(8) and iptables-restore(8) with a script on stdin: for the once-per-start bridge setup and for
/// iptables, which has no stable kernel API of its own under nf_tables. Per-container links, addresses and
/// routes go through <see cref="Netlink.RtNetlink"/> instead. Batching a change into one process
/// (`ip -batch -`, `iptables-restore --noflush`) keeps it one spawn and one atomic nf_tables transaction.
/// </summary>
internal static class HostCommand
{
    public static async Task<string> RunAsync(string file, IReadOnlyList<string> args, string? stdin, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new NetworkException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin.AsMemory(), ct);
            p.StandardInput.Close();
        }
        await p.WaitForExitAsync(ct);
        var err = (await stderr).Trim();
        if (p.ExitCode != 0)
        {
            throw new NetworkException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed (exit {p.ExitCode}): {FirstLine(err)}");
        }
        return await stdout;
    }

    /// <summary>`ip -batch -`: every line one ip command, stopping at the first error.</summary>
    public static Task<string> IpBatchAsync(IEnumerable<string> lines, CancellationToken ct) =>
        RunAsync("ip", ["-batch", "-"], string.Join('\n', lines) + "\n", ct);

    /// <summary>
    /// Applies an iptables-restore script without flushing the tables. A concurrent transaction of another
    /// daemon can make nf_tables refuse ours; a couple of retries settle that.
    /// </summary>
    public static async Task RestoreAsync(string script, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RunAsync("iptables-restore", ["--noflush", "--wait"], script, ct);
                return;
            }
            catch (NetworkException) when (attempt < 3)
            {
                await Task.Delay(20 * attempt, ct);
            }
        }
    }

    public static Task<string> SaveAsync(CancellationToken ct) => RunAsync("iptables-save", [], null, ct);

    private static string FirstLine(string s)
    {
        var nl = s.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? s : s[..nl];
    }
}
