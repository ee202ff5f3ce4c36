using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;

namespace Orch.Cli.Cli;

/// <summary>What every command gets: where the daemon is, a lazily opened channel, and the output streams.</summary>
internal sealed class CliContext(string socketPath) : IDisposable
{
    public const string DefaultSocket = "/run/orch/orchd.sock";

    private GrpcChannel? channel;

    public string SocketPath => socketPath;

    /// <summary>The command as the user typed it ("rmi" or "image rm"), for usage and error lines; null outside the entry point.</summary>
    public string? CommandPath { get; init; }
    public string HostUri => "unix://" + socketPath;
    public TextWriter Out { get; } = Console.Out;
    public TextWriter Err { get; } = Console.Error;

    public GrpcChannel Channel => channel ??= GrpcChannel.ForAddress("http://orchd", new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        },
        MaxReceiveMessageSize = 64 << 20,
        MaxSendMessageSize = 64 << 20,
    });

    public Orch.Api.V1.Engine.EngineClient Engine => new(Channel);

    /// <summary>This node's swarm membership (init, join, leave, info), served by the local orchd.</summary>
    public Orch.Api.V1.Swarm.SwarmClient Swarm => new(Channel);

    /// <summary>The cluster's control API; the local orchd forwards each call to a manager.</summary>
    public Orch.Api.V1.Control.ControlClient Control => new(Channel);

    /// <summary>Turns a gRPC failure into the line a Docker user expects.</summary>
    public string Describe(RpcException e)
    {
        if (e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is { } inner)
        {
            var socketError = FindSocketError(inner);
            if (socketError == SocketError.AccessDenied)
            {
                return $"permission denied while trying to connect to the orch daemon socket at {HostUri}";
            }
            return $"Cannot connect to the orch daemon at {HostUri}. Is orchd running?";
        }
        return "Error response from daemon: " + e.Status.Detail;
    }

    private static SocketError? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException se)
            {
                return se.SocketErrorCode;
            }
            if (e is UnauthorizedAccessException)
            {
                return SocketError.AccessDenied;
            }
        }
        return null;
    }

    public void Dispose() => channel?.Dispose();
}
