using System.Net;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Orch.Agent.Joining;
using Orch.Agent.Session;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.Hosting;
using Orch.Manager.Tests.Raft;
using Orch.Security;

namespace Orch.Manager.Tests.Swarm;

/// <summary>
/// Real managers in this process (TCP Raft and gRPC over mutual TLS on 127.0.0.1) and joined
/// nodes as certificate holders, for the security and dispatcher contracts.
/// </summary>
internal sealed class SwarmFixture(ITestOutputHelper output) : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> owned = [];
    private readonly string root = Directory.CreateTempSubdirectory("orch-swarm-").FullName;
    private readonly ILoggerFactory loggers = LoggerFactory.Create(b =>
        b.SetMinimumLevel(LogLevel.Debug).AddProvider(new TestOutputLoggerProvider(output, "swarm", System.Diagnostics.Stopwatch.StartNew())));

    public ILoggerFactory Loggers => loggers;

    public ManagerHost? First { get; private set; }

    public SwarmInitResponse? Init { get; private set; }

    public string FirstAddr => First!.Options.ApiAddress;

    public async Task<ManagerHost> InitAsync(TimeSpan? heartbeat = null, TimeSpan? certExpiry = null)
    {
        var request = new SwarmInitRequest();
        if (heartbeat is { } hb)
        {
            request.DispatcherHeartbeat = Duration.FromTimeSpan(hb);
        }
        if (certExpiry is { } ce)
        {
            request.CertExpiry = Duration.FromTimeSpan(ce);
        }
        var (host, certs, response) = await ManagerHost.InitAsync(Options("m1"), request, Describe("m1"), Path.Combine(root, "m1", "certs"), loggers, CancellationToken.None);
        owned.Add(host);
        owned.Add(new Disposer(certs.Dispose));
        First = host;
        Init = response;
        return host;
    }

    /// <summary>Joins a node with <paramref name="token"/>; a manager also starts its Raft member and is added.</summary>
    public async Task<(NodeCertificates Certs, IssueNodeCertificateResponse Response, ManagerHost? Manager)> JoinAsync(string name, string token)
    {
        var (certs, response) = await JoinClient.JoinAsync(token, FirstAddr, "127.0.0.1", Describe(name), Path.Combine(root, name, "certs"), CancellationToken.None);
        owned.Add(new Disposer(certs.Dispose));
        if (response.Role != NodeRole.Manager)
        {
            return (certs, response, null);
        }
        var host = await ManagerHost.StartAsync(Options(name), certs, ManagerStart.Join, loggers, CancellationToken.None);
        owned.Insert(0, host);
        await host.JoinAsync(FirstAddr, CancellationToken.None);
        return (certs, response, host);
    }

    /// <summary>A gRPC channel to <paramref name="address"/> presenting <paramref name="certs"/>.</summary>
    public ManagerChannels Channels(NodeCertificates certs)
    {
        var channels = new ManagerChannels(certs, TimeProvider.System);
        owned.Add(new Disposer(channels.Dispose));
        return channels;
    }

    private ManagerHostOptions Options(string name)
    {
        var port = TakePair();
        return new ManagerHostOptions
        {
            DataDir = Path.Combine(root, name, "raft"),
            Listen = new IPEndPoint(IPAddress.Loopback, port),
            Advertise = IPAddress.Loopback,
        };
    }

    public static NodeDescription Describe(string name) => new()
    {
        Hostname = name,
        EngineVersion = "test",
        Os = "linux",
        Architecture = "x86_64",
        Resources = new NodeResources { NanoCpus = 2_000_000_000, MemoryBytes = 1L << 30 },
    };

    /// <summary>A port whose successor (Raft) is free too.</summary>
    private static int TakePair()
    {
        while (true)
        {
            var p = Ports.Take();
            var q = Ports.Take();
            if (q == p + 1)
            {
                return p;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in owned)
        {
            await d.DisposeAsync();
        }
        loggers.Dispose();
        Directory.Delete(root, recursive: true);
    }

    private sealed class Disposer(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
