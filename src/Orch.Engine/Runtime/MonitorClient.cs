using System.Net.Sockets;
using System.Text;

namespace Orch.Engine.Runtime;

/// <summary>One message from a monitor or exec relay (native/relay.c).</summary>
/// <param name="Type">'o' stdout, 'e' stderr, 'x' exit code (ASCII).</param>
internal readonly record struct MonitorFrame(char Type, byte[] Data)
{
    public int ExitCode => int.TryParse(Encoding.ASCII.GetString(Data), out var c) ? c : 255;
}

/// <summary>
/// Connection to a relay's SOCK_SEQPACKET socket: one message per frame, so framing is the kernel's.
/// Sends are serialised; reads come from one loop.
/// </summary>
internal sealed class MonitorClient : IDisposable
{
    private readonly Socket socket;
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly byte[] buffer = new byte[64 * 1024];

    private MonitorClient(Socket socket) => this.socket = socket;

    /// <summary>Connects; null when nobody listens any more (the relay exited).</summary>
    public static async Task<MonitorClient?> ConnectAsync(string path, CancellationToken ct)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            await s.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
            return new MonitorClient(s);
        }
        catch (SocketException)
        {
            s.Dispose();
            return null;
        }
    }

    /// <summary>Next frame, or null when the relay closed the connection.</summary>
    public async Task<MonitorFrame?> ReadAsync(CancellationToken ct)
    {
        int n;
        try
        {
            n = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
        }
        catch (SocketException)
        {
            return null;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        if (n <= 0)
        {
            return null;
        }
        return new MonitorFrame((char)buffer[0], buffer.AsSpan(1, n - 1).ToArray());
    }

    public Task SendStdinAsync(ReadOnlyMemory<byte> data, CancellationToken ct) => SendAsync('i', data, ct);

    public Task CloseStdinAsync(CancellationToken ct) => SendAsync('c', ReadOnlyMemory<byte>.Empty, ct);

    public Task ResizeAsync(uint rows, uint cols, CancellationToken ct) => SendAsync('r', Encoding.ASCII.GetBytes($"{rows} {cols}"), ct);

    public Task SignalAsync(int signal, CancellationToken ct) => SendAsync('k', Encoding.ASCII.GetBytes(signal.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct);

    private async Task SendAsync(char type, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var msg = new byte[data.Length + 1];
        msg[0] = (byte)type;
        data.CopyTo(msg.AsMemory(1));
        await sendLock.WaitAsync(ct);
        try
        {
            // 32 KiB per message at most, as the relay reads.
            for (var off = 1; off < msg.Length || msg.Length == 1; off += 32 * 1024 - 1)
            {
                var len = Math.Min(32 * 1024 - 1, msg.Length - off);
                var part = new byte[len + 1];
                part[0] = (byte)type;
                Array.Copy(msg, off, part, 1, len);
                await socket.SendAsync(part, SocketFlags.None, ct);
                if (msg.Length == 1)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
            // The relay is gone; its exit is reported through the read loop.
        }
        finally
        {
            sendLock.Release();
        }
    }

    public void Dispose()
    {
        socket.Dispose();
        sendLock.Dispose();
    }
}
