using Grpc.Core;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>Exit codes and per-container error lines as docker/cli prints them.</summary>
internal static class DaemonErrors
{
    /// <summary>The exit code orchd attached to a failed run/start (126, 127, 125), or <paramref name="fallback"/>.</summary>
    public static int ExitCode(RpcException e, int fallback) =>
        e.Trailers.GetValue("orch-exit-code") is { } v && int.TryParse(v, out var code) ? code : fallback;

    /// <summary>
    /// Runs <paramref name="action"/> for every container argument; prints the argument on success
    /// and the daemon's error line otherwise; exit 1 if any failed (docker stop a b c).
    /// </summary>
    public static async Task<int> ForEachAsync(CliContext ctx, IReadOnlyList<string> ids, Func<string, Task> action, bool echo = true)
    {
        var failed = false;
        foreach (var id in ids)
        {
            try
            {
                await action(id);
                if (echo)
                {
                    ctx.Out.WriteLine(id);
                }
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Unavailable)
            {
                ctx.Err.WriteLine(ctx.Describe(e));
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }
}
