using System.Collections.Concurrent;
using Grpc.Net.Client;
using Orch.Api.V1;
using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

/// <summary>
/// gRPC calls from this manager to another manager's API (forwarded proposals, Raft status).
/// One channel per address, kept for the life of the store.
/// </summary>
internal sealed class LeaderClient(TimeSpan callTimeout) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new(StringComparer.Ordinal);

    public async Task<CommandResult> ProposeAsync(string api, Command command, CancellationToken ct) =>
        await Client(api).ProposeAsync(command, deadline: DateTime.UtcNow + callTimeout, cancellationToken: ct);

    public async Task<RaftStatus> StatusAsync(string api, TimeSpan timeout, CancellationToken ct) =>
        await Client(api).StatusAsync(new RaftStatusRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: ct);

    private RaftProxy.RaftProxyClient Client(string api) =>
        new(channels.GetOrAdd(api, a => GrpcChannel.ForAddress($"http://{a}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromMilliseconds(500),
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            },
        })));

    public void Dispose()
    {
        foreach (var c in channels.Values)
        {
            c.Dispose();
        }
        channels.Clear();
    }
}
