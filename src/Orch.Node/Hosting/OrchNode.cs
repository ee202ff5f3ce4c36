using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orch.Node.Api;

namespace Orch.Node.Hosting;

/// <summary>
/// One node: the engine API on a Unix socket (and, on cluster nodes, the manager/agent parts).
/// A class rather than top-level code so tests can start several nodes in one process.
/// </summary>
public sealed partial class OrchNode(NodeOptions options, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly ILogger logger = loggerFactory.CreateLogger<OrchNode>();
    private WebApplication? app;

    public NodeOptions Options => options;

    public async Task StartAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(options.DataRoot);
        Directory.CreateDirectory(options.ExecRoot);
        var socketDir = Path.GetDirectoryName(options.SocketPath)!;
        Directory.CreateDirectory(socketDir);
        // A socket file left by a killed daemon would make bind(2) fail with EADDRINUSE.
        if (File.Exists(options.SocketPath))
        {
            File.Delete(options.SocketPath);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(options);
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 16 << 20);
        builder.Services.AddContainerRuntime(options);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.SocketPath, l => l.Protocols = HttpProtocols.Http2);
            k.AddServerHeader = false;
        });
        app = builder.Build();
        app.MapGrpcService<EngineApi>();
        await app.Services.GetRequiredService<Orch.Engine.Runtime.ContainerRuntime>().RecoverAsync(ct);
        await app.StartAsync(ct);
        // Root only, as dockerd's socket: the engine API is root-equivalent.
        File.SetUnixFileMode(options.SocketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        LogStarted(options.SocketPath, options.DataRoot, Environment.ProcessId);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (app is not null)
        {
            await app.StopAsync(ct);
        }
        LogStopped();
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
            app = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "orchd listening on {Socket}, data root {DataRoot}, pid {Pid}")]
    private partial void LogStarted(string socket, string dataRoot, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "orchd stopped")]
    private partial void LogStopped();
}
