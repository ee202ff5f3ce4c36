using System.Net.Sockets;
using Grpc.Net.Client;
using Orch.Testing.Cluster;

namespace Orch.Chaos.Tests.Workload;

/// <summary>
/// gRPC channels to each node's local orchd socket, as the CLI opens them: the control API of a manager node is
/// that manager's own, the engine API that node's engine. One channel per node for the whole run.
/// </summary>
internal sealed class NodeChannels(TestCluster cluster) : IDisposable
{
    private readonly Dictionary<int, GrpcChannel> channels = [];
    private readonly Lock gate = new();

    public Orch.Api.V1.Control.ControlClient Control(int k) => new(Channel(k));

    public Orch.Api.V1.Engine.EngineClient Engine(int k) => new(Channel(k));

    private GrpcChannel Channel(int k)
    {
        lock (gate)
        {
            if (!channels.TryGetValue(k, out var channel))
            {
                var path = cluster.Socket(k);
                channel = GrpcChannel.ForAddress("http://orchd", new GrpcChannelOptions
                {
                    HttpHandler = new SocketsHttpHandler
                    {
                        ConnectCallback = async (_, ct) =>
                        {
                            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                            try
                            {
                                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
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
                });
                channels[k] = channel;
            }
            return channel;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            foreach (var c in channels.Values)
            {
                c.Dispose();
            }
            channels.Clear();
        }
    }
}
