using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orch.Manager.State;

namespace Orch.Manager.Control;

/// <summary>
/// The manager's TCP gRPC endpoint: control API and manager-to-manager calls. HTTP/2 without
/// TLS for now; mutual TLS comes with the cluster CA.
/// </summary>
internal sealed class ManagerApiServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private ManagerApiServer(WebApplication app) => this.app = app;

    public static async Task<ManagerApiServer> StartAsync(IPEndPoint listen, RaftStore store, ILoggerFactory loggers, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<IReplicatedStore>(store);
        builder.Services.AddGrpc();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen, l => l.Protocols = HttpProtocols.Http2);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        app.MapGrpcService<RaftProxyService>();
        app.MapGrpcService<ControlApi>();
        await app.StartAsync(ct);
        return new ManagerApiServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}
