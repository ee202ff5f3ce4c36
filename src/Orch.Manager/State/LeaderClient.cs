using System.Collections.Concurrent;
using Grpc.Net.Client;
using Orch.Api.V1;
using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

/// <summary>
/// gRPC calls from this manager to another manager's API (forwarded proposals, Raft status).
/// One channel per address, kept for the life of the store.
/// </summary>
internal sealed class LeaderClient(TimeSpan callTimeout, Orch.Security.NodeCertificates? certificates, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new(StringComparer.Ordinal);

    public async Task<CommandResult> ProposeAsync(string api, Command command, CancellationToken ct) =>
        await Client(api).ProposeAsync(command, deadline: DateTime.UtcNow + callTimeout, cancellationToken: ct);

    public async Task<RaftStatus> StatusAsync(string api, TimeSpan timeout, CancellationToken ct) =>
        await Client(api).StatusAsync(new RaftStatusRequest(), deadline: DateTime.UtcNow + timeout, cancellationToken: ct);

    public async System.Threading.Tasks.Task AddManagerAsync(string api, AddManagerRequest request, CancellationToken ct) =>
        await Client(api).AddManagerAsync(request, deadline: DateTime.UtcNow + callTimeout + callTimeout, cancellationToken: ct);

    /// <summary>A channel to another manager's API (mutual TLS when this manager has certificates).</summary>
    public GrpcChannel Channel(string api) => channels.GetOrAdd(api, a => certificates is null
        ? GrpcChannel.ForAddress($"http://{a}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromMilliseconds(500),
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            },
        })
        : GrpcChannel.ForAddress($"https://{a}", new GrpcChannelOptions { HttpHandler = Orch.Security.ClusterTls.HttpHandler(certificates, time) }));

    private RaftProxy.RaftProxyClient Client(string api) => new(Channel(api));

    public void Dispose()
    {
        foreach (var c in channels.Values)
        {
            c.Dispose();
        }
        channels.Clear();
    }
}
