using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Orch.Manager.Control;
using Orch.Manager.State;

namespace Orch.Manager.Bench;

/// <summary>Three managers in this process, formed the swarm way (init + join), on loopback ports below 32768.</summary>
internal sealed class BenchManagers : IAsyncDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("orch-raft-bench-");
    private readonly ILoggerFactory loggers;
    private static int nextPort = 21000 + Random.Shared.Next(0, 10000);

    public BenchManagers(ILoggerFactory loggers) => this.loggers = loggers;

    public List<(RaftStore Store, ManagerApiServer Api, string ApiAddress)> Members { get; } = [];

    public async Task StartAsync(int count, CancellationToken ct)
    {
        for (var i = 1; i <= count; i++)
        {
            var raftPort = FreePort();
            var apiPort = FreePort();
            var store = await RaftStore.StartAsync(new RaftStoreOptions
            {
                DataDir = Path.Combine(root.FullName, $"m{i}"),
                RaftEndPoint = new IPEndPoint(IPAddress.Loopback, raftPort),
                ApiAddress = $"127.0.0.1:{apiPort}",
                Bootstrap = i == 1 ? RaftBootstrap.Init : RaftBootstrap.Join,
            }, loggers, ct);
            var api = await ManagerApiServer.StartAsync(new IPEndPoint(IPAddress.Loopback, apiPort), store, loggers, ct);
            Members.Add((store, api, $"127.0.0.1:{apiPort}"));
            if (i == 1)
            {
                await store.WaitForLeadershipAsync(ct);
            }
            else
            {
                await Leader().AddMemberAsync(new IPEndPoint(IPAddress.Loopback, raftPort), ct);
                await store.Readiness.WaitAsync(ct);
            }
        }
    }

    public RaftStore Leader() => Members.Select(m => m.Store).First(s => s.IsLeader);

    public async Task StopAsync(RaftStore store)
    {
        var m = Members.First(m => m.Store == store);
        await m.Api.DisposeAsync();
        await m.Store.DisposeAsync();
        Members.Remove(m);
    }

    private static int FreePort()
    {
        while (true)
        {
            var port = Interlocked.Increment(ref nextPort);
            try
            {
                var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                l.Stop();
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in Members)
        {
            await m.Api.DisposeAsync();
            await m.Store.DisposeAsync();
        }
        root.Delete(recursive: true);
    }
}
