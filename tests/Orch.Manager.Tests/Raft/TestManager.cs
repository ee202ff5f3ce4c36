using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Orch.Manager.Control;
using Orch.Manager.State;

namespace Orch.Manager.Tests.Raft;

/// <summary>One in-process manager: a real <see cref="RaftStore"/> (TCP Raft on 127.0.0.1) and its gRPC API.</summary>
internal sealed class TestManager(string name, string dataDir, ITestOutputHelper output, Stopwatch clock) : IAsyncDisposable
{
    private ManagerApiServer? server;
    private readonly ILoggerFactory loggers = LoggerFactory.Create(b =>
        b.SetMinimumLevel(LogLevel.Trace).AddProvider(new TestOutputLoggerProvider(output, name, clock)));

    public string Name => name;
    public string DataDir => dataDir;
    public int RaftPort { get; private set; } = Ports.Take();
    public int ApiPort { get; private set; } = Ports.Take();
    public int SnapshotEvery { get; init; } = 5_000;
    public RaftStore? Store { get; private set; }
    public bool Running => Store is not null;
    public IPEndPoint RaftEndPoint => new(IPAddress.Loopback, RaftPort);

    public RaftStore Live => Store ?? throw new InvalidOperationException($"{name} is not running");

    public async Task StartAsync(RaftBootstrap bootstrap, CancellationToken ct)
    {
        // A fresh member may pick other ports if one was taken meanwhile; a restarted member must
        // keep its endpoint (it is its Raft identity).
        var fresh = bootstrap is RaftBootstrap.Init or RaftBootstrap.Join;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Store = await RaftStore.StartAsync(new RaftStoreOptions
                {
                    DataDir = dataDir,
                    RaftEndPoint = RaftEndPoint,
                    ApiAddress = $"127.0.0.1:{ApiPort}",
                    Bootstrap = bootstrap,
                    SnapshotEvery = SnapshotEvery,
                }, loggers, ct);
                server = await ManagerApiServer.StartAsync(new IPEndPoint(IPAddress.Loopback, ApiPort), Store, loggers, ct);
                return;
            }
            catch (Exception e) when (fresh && attempt < 3 && IsAddressInUse(e))
            {
                await StopAsync();
                if (Directory.Exists(dataDir))
                {
                    Directory.Delete(dataDir, recursive: true);
                }
                RaftPort = Ports.Take();
                ApiPort = Ports.Take();
            }
        }
    }

    /// <summary>Stops the member as a crash would look to its peers: sockets close, nothing is handed over.</summary>
    public async Task StopAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
            server = null;
        }
        if (Store is not null)
        {
            await Store.DisposeAsync();
            Store = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        loggers.Dispose();
    }

    private static bool IsAddressInUse(Exception e) =>
        e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse }
        || e is IOException { InnerException: System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } }
        || (e.InnerException is { } inner && IsAddressInUse(inner));
}
