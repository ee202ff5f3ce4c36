using Google.Protobuf;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Engine.Runtime;

namespace Orch.Node.Api;

/// <summary>Moves an Attach/Exec client's stdin, close and resize messages to a relay.</summary>
internal static class StdioPump
{
    public static StdioFrame Frame(int stream, byte[] data) => stream == 2
        ? new StdioFrame { Stderr = ByteString.CopyFrom(data) }
        : new StdioFrame { Stdout = ByteString.CopyFrom(data) };

    public static async Task ForwardInputAsync(IAsyncStreamReader<StdioRequest> requests, Func<MonitorClient?> relay, CancellationToken ct)
    {
        try
        {
            while (await requests.MoveNext(ct))
            {
                var r = requests.Current;
                if (relay() is not { } m)
                {
                    continue;
                }
                switch (r.MsgCase)
                {
                    case StdioRequest.MsgOneofCase.Stdin:
                        await m.SendStdinAsync(r.Stdin.Memory, ct);
                        break;
                    case StdioRequest.MsgOneofCase.CloseStdin:
                        await m.CloseStdinAsync(ct);
                        break;
                    case StdioRequest.MsgOneofCase.Resize:
                        await m.ResizeAsync(r.Resize.Rows, r.Resize.Cols, ct);
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The client went away; the process keeps running (as with docker attach's detach).
        }
    }
}
