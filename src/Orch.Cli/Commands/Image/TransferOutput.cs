using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>
/// Prints a pull/push progress stream as docker's jsonmessage does. On a terminal every layer keeps one line,
/// redrawn in place (cursor up, clear line, cursor down) with its progress bar; otherwise each status is one
/// line and progress-bar messages are left out, as docker leaves them out when stdout is not a terminal.
/// </summary>
internal static class TransferOutput
{
    public static async Task<string> PrintAsync(CliContext ctx, IAsyncStreamReader<TransferMessage> stream, bool quiet, CancellationToken ct)
    {
        var renderer = new TransferRenderer(ctx.Out, terminal: !Console.IsOutputRedirected, TerminalWidth());
        var result = "";
        while (await stream.MoveNext(ct))
        {
            var m = stream.Current;
            if (m.Result.Length > 0)
            {
                result = m.Result;
                continue;
            }
            if (!quiet)
            {
                renderer.Write(m.Id, m.Status, m.Current, m.Total);
            }
        }
        ctx.Out.Flush();
        return result;
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.IsOutputRedirected ? 200 : Console.WindowWidth;
        }
        catch (IOException)
        {
            return 200;
        }
    }
}
