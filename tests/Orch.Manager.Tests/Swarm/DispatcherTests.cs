using Microsoft.Extensions.Logging;
using Orch.Agent.Security;
using Orch.Agent.Session;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.Tests.Raft;
using Orch.Security;
using ControlClient = Orch.Api.V1.Control.ControlClient;

namespace Orch.Manager.Tests.Swarm;

/// <summary>Agent sessions against the leader's dispatcher: Ready on register, Down after 3 missed heartbeats, certificate renewal.</summary>
public sealed class DispatcherTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly SwarmFixture swarm = new(output);

    public async System.Threading.Tasks.Task InitializeAsync() =>
        await swarm.InitAsync(heartbeat: TimeSpan.FromSeconds(1), certExpiry: TimeSpan.FromHours(1));

    public async System.Threading.Tasks.Task DisposeAsync() => await swarm.DisposeAsync();

    [Fact]
    public async System.Threading.Tasks.Task Session_MarksReady_ThenDownAfterMissedHeartbeats()
    {
        var (certs, response, _) = await swarm.JoinAsync("w1", swarm.Init!.WorkerToken);
        var control = ControlAsManager();
        var managersSeen = new List<IReadOnlyList<string>>();
        using var stop = new CancellationTokenSource();
        var session = new AgentSession(swarm.Channels(certs), () => [swarm.FirstAddr], m => managersSeen.Add(m),
            () => new SessionRegister { Description = SwarmFixture.Describe("w1"), AdvertiseAddr = "127.0.0.1" },
            TimeProvider.System, swarm.Loggers.CreateLogger<AgentSession>());
        var running = session.RunAsync(stop.Token);

        await Eventually.TrueAsync(() => State(control, response.NodeId) == NodeState.Ready, TimeSpan.FromSeconds(20),
            "worker Ready after its session registered", () => State(control, response.NodeId).ToString());
        // Heartbeats keep it Ready well past 3 periods.
        await System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(NodeState.Ready, State(control, response.NodeId));
        Assert.Contains(managersSeen, m => m.Contains(swarm.FirstAddr));

        await stop.CancelAsync();
        await running;
        await Eventually.TrueAsync(() => State(control, response.NodeId) == NodeState.Down, TimeSpan.FromSeconds(20),
            "worker Down after its heartbeats stopped", () => State(control, response.NodeId).ToString());
    }

    [Fact]
    public async System.Threading.Tasks.Task Renewal_GivesFreshCertificate_AndRecordsExpiry()
    {
        var (certs, response, _) = await swarm.JoinAsync("w1", swarm.Init!.WorkerToken);
        var before = certs.Certificate.SerialNumber;
        var renewer = new CertificateRenewer(certs, swarm.Channels(certs), () => [swarm.FirstAddr], TimeProvider.System,
            swarm.Loggers.CreateLogger<CertificateRenewer>());

        Assert.True(await renewer.TryRenewAsync(CancellationToken.None));

        Assert.NotEqual(before, certs.Certificate.SerialNumber);
        Assert.Equal(response.NodeId, certs.Identity.NodeId);
        var reloaded = NodeCertificates.Load(certs.Location);
        Assert.Equal(certs.Certificate.SerialNumber, reloaded!.Certificate.SerialNumber);
        var node = await ControlAsManager().InspectNodeAsync(new InspectNodeRequest { Id = response.NodeId });
        Assert.Equal(certs.NotAfter.ToUnixTimeSeconds(), node.Status.CertExpiry.Seconds);
    }

    private static NodeState State(ControlClient control, string id) =>
        control.InspectNode(new InspectNodeRequest { Id = id }).Status.State;

    private ControlClient ControlAsManager()
    {
        var certs = NodeCertificates.Load(Path.Combine(Path.GetDirectoryName(swarm.First!.Options.DataDir)!, "certs"))!;
        return new ControlClient(swarm.Channels(certs).For(swarm.FirstAddr));
    }
}
