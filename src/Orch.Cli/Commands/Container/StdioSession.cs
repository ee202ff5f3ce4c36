using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Orch.Api.V1;

namespace Orch.Cli.Commands.Container;

/// <summary>
/// The client side of Attach and Exec: output frames to our stdout/stderr, our stdin (with -i) to the
/// process, terminal size with -t. Returns the process's exit code from the last frame.
/// </summary>
internal static class StdioSession
{
    public static async Task<int> RunAsync(AsyncDuplexStreamingCall<StdioRequest, StdioFrame> call, StdioRequest first,
        bool stdin, bool tty, CancellationToken ct)
    {
        var localTty = tty && Terminal.IsTty(0);
        if (tty && Terminal.Size() is { } size)
        {
            first.InitialSize = new TerminalSize { Rows = size.Rows, Cols = size.Cols };
        }
        var sendLock = new SemaphoreSlim(1, 1);
        async Task SendAsync(StdioRequest r)
        {
            await sendLock.WaitAsync(ct);
            try
            {
                await call.RequestStream.WriteAsync(r, ct);
            }
            finally
            {
                sendLock.Release();
            }
        }
        await SendAsync(first);
        using var raw = localTty ? Terminal.MakeRaw(0) : null;
        using var winch = tty ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c =>
        {
            c.Cancel = true;
            if (Terminal.Size() is { } s)
            {
                _ = SendAsync(new StdioRequest { Resize = new TerminalSize { Rows = s.Rows, Cols = s.Cols } });
            }
        }) : null;
        if (stdin)
        {
            _ = Task.Run(() => PumpStdinAsync(SendAsync, ct), ct);
        }
        var stdout = Console.OpenStandardOutput();
        var stderr = Console.OpenStandardError();
        await foreach (var f in call.ResponseStream.ReadAllAsync(ct))
        {
            switch (f.MsgCase)
            {
                case StdioFrame.MsgOneofCase.Stdout:
                    await stdout.WriteAsync(f.Stdout.Memory, ct);
                    await stdout.FlushAsync(ct);
                    break;
                case StdioFrame.MsgOneofCase.Stderr:
                    await stderr.WriteAsync(f.Stderr.Memory, ct);
                    await stderr.FlushAsync(ct);
                    break;
                case StdioFrame.MsgOneofCase.ExitCode:
                    return f.ExitCode;
            }
        }
        return 125;
    }

    private static async Task PumpStdinAsync(Func<StdioRequest, Task> send, CancellationToken ct)
    {
        try
        {
            using var input = Console.OpenStandardInput();
            var buf = new byte[32 * 1024];
            int n;
            while ((n = await input.ReadAsync(buf, ct)) > 0)
            {
                await send(new StdioRequest { Stdin = ByteString.CopyFrom(buf, 0, n) });
            }
            await send(new StdioRequest { CloseStdin = true });
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            // The session ended first.
        }
    }
}
