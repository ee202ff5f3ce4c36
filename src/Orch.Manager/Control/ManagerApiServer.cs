using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orch.Manager.Dispatching;
using Orch.Manager.Distribution;
using Orch.Manager.Security;
using Orch.Manager.State;
using Orch.Security;

namespace Orch.Manager.Control;

/// <summary>What a manager's cluster port needs for mutual TLS and the node-facing services.</summary>
internal sealed record ClusterSecurity(NodeCertificates Certificates, TimeProvider Time, NodeLiveness Liveness, CertificateAuthority Authority)
{
    /// <summary>This node's engine images: served to the cluster (distribution.proto) and used to pin services' images.</summary>
    public ILocalImages Images { get; init; } = NoLocalImages.Instance;
}

/// <summary>
/// The manager's TCP gRPC endpoint (the cluster port, 2377 by default): control API,
/// manager-to-manager calls, and — with <see cref="ClusterSecurity"/> — the join/renew CA and the
/// dispatcher and the image distribution service, all behind mutual TLS and <see cref="ClusterAuthorization"/>. Without it (tests of
/// the store alone) it serves plain HTTP/2 and only the manager services.
/// </summary>
internal sealed class ManagerApiServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private ManagerApiServer(WebApplication app) => this.app = app;

    public static async Task<ManagerApiServer> StartAsync(IPEndPoint listen, RaftStore store, ILoggerFactory loggers, CancellationToken ct,
        ClusterSecurity? security = null, ImagePinner? pinner = null, LogBroker? logs = null)
    {
        // No appsettings reload: its watcher is recursive over the content root (the working directory), so a daemon
        // started in / or above its data root took an inotify event for every write of every unpacked layer.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<IReplicatedStore>(store);
        builder.Services.AddSingleton(pinner ?? new ImagePinner(NoLocalImages.Instance, "", loggers.CreateLogger<ImagePinner>()));
        builder.Services.AddSingleton(security?.Images ?? NoLocalImages.Instance);
        builder.Services.AddSingleton(logs ?? new LogBroker(store.Leaders.Channel, loggers.CreateLogger<LogBroker>()));
        builder.Services.AddSingleton(new BalancerAcks());
        builder.Services.AddSingleton(new Dispatcher.EndpointTableCache());
        builder.Services.AddGrpc(o =>
        {
            if (security is not null)
            {
                o.Interceptors.Add<ClusterAuthorization>();
            }
        });
        if (security is not null)
        {
            builder.Services.AddSingleton(security.Certificates);
            builder.Services.AddSingleton(security.Time);
            builder.Services.AddSingleton(security.Liveness);
            builder.Services.AddSingleton(security.Authority);
        }
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                if (security is { } s)
                {
                    l.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificateSelector = (_, _) => s.Certificates.Certificate,
                        // Asked for, not required: a joining node has no certificate yet.
                        ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                        ClientCertificateValidation = (cert, _, _) => ClusterAuthorization.ValidateAtHandshake(s.Certificates, s.Time, cert),
                        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    });
                }
            });
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        app.MapGrpcService<RaftProxyService>();
        app.MapGrpcService<ControlApi>();
        if (security is not null)
        {
            app.MapGrpcService<NodeCaService>();
            app.MapGrpcService<Dispatcher>();
            app.MapGrpcService<DistributionService>();
        }
        await app.StartAsync(ct);
        return new ManagerApiServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}
