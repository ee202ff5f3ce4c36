using Grpc.Core;
using Grpc.Net.Client;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using static Orch.Manager.Tests.Commands;
using Task = System.Threading.Tasks.Task;

namespace Orch.Manager.Tests.Raft;

/// <summary>The control API over real gRPC on a 3-manager cluster: what `orch node …` will call.</summary>
public sealed class ControlApiTests(ITestOutputHelper output)
{
    [Fact]
    public async Task NodeCalls_ThroughFollower_ForwardedWithVersionChecksAndClearErrors()
    {
        await using var cluster = await ManagerCluster.StartAsync(3, output);
        var leader = await cluster.WaitForLeaderAsync();
        var follower = cluster.Managers.First(m => m != leader);
        await leader.Live.ProposeAsync(Create(Node("w1", "worker-1")), CancellationToken.None);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{follower.ApiPort}");
        var control = new Orch.Api.V1.Control.ControlClient(channel);

        var listed = await control.ListNodesAsync(new ListNodesRequest());
        Assert.Equal("w1", Assert.Single(listed.Nodes).Id);
        Assert.Equal(leader.RaftEndPoint.ToString(), listed.LeaderRaftAddr);

        var node = await control.InspectNodeAsync(new InspectNodeRequest { Id = "w1" });
        var spec = node.Spec.Clone();
        spec.Availability = NodeAvailability.Drain;
        spec.Labels["zone"] = "b";
        var updated = await control.UpdateNodeAsync(new UpdateNodeRequest { Id = "w1", Version = node.Meta.Version, Spec = spec });
        Assert.Equal(NodeAvailability.Drain, updated.Spec.Availability);
        Assert.True(updated.Meta.Version > node.Meta.Version);
        Assert.Equal("b", (await leader.Live.ReadAsync(s => s.GetNode("w1"), CancellationToken.None))!.Spec.Labels["zone"]);

        // Writing from the stale version is refused, naming both versions.
        var stale = await Assert.ThrowsAsync<RpcException>(async () =>
            await control.UpdateNodeAsync(new UpdateNodeRequest { Id = "w1", Version = node.Meta.Version, Spec = spec }));
        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        Assert.Equal($"node w1: update out of sequence (version {node.Meta.Version}, stored {updated.Meta.Version})", stale.Status.Detail);

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await control.InspectNodeAsync(new InspectNodeRequest { Id = "nope" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal("node nope not found", missing.Status.Detail);

        // Without a quorum, reads fail fast with UNAVAILABLE and the reason.
        foreach (var m in cluster.Managers.Where(m => m != follower))
        {
            await m.StopAsync();
        }
        var down = await Assert.ThrowsAsync<RpcException>(async () => await control.ListNodesAsync(new ListNodesRequest()));
        Assert.Equal(StatusCode.Unavailable, down.StatusCode);
        Assert.StartsWith("no quorum:", down.Status.Detail);
    }

    [Fact]
    public async Task SwarmInit_ThenInspectSwarmOnJoinedManager_TokensMatchTheReplicatedCa()
    {
        await using var cluster = await ManagerCluster.StartAsync(1, output);
        var first = cluster.Managers[0];
        using var ca = Orch.Manager.Security.RootCa.Create("cluster-1", TimeProvider.System);
        var self = Node("node-1", "host-1");
        self.ManagerStatus = new ManagerStatus { RaftAddr = first.RaftEndPoint.ToString(), ApiAddr = $"127.0.0.1:{first.ApiPort}" };
        var init = await first.Live.ProposeAsync(Orch.Manager.State.SwarmInit.Build("cluster-1", self, ca), CancellationToken.None);
        Assert.Equal(CommandErrorCode.None, init.Error);
        await cluster.JoinAsync(cluster.NewManager("m2"), CancellationToken.None);

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{cluster.Managers[1].ApiPort}");
        var swarm = await new Orch.Api.V1.Control.ControlClient(channel).InspectSwarmAsync(new InspectSwarmRequest());

        Assert.Equal("cluster-1", swarm.Id);
        Assert.Equal(TimeSpan.FromSeconds(5), swarm.Spec.DispatcherHeartbeatPeriod.ToTimeSpan());
        Assert.Equal(5, swarm.Spec.TaskHistoryLimit);
        var der = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(swarm.RootCa.CaCertPem).RawData;
        foreach (var text in new[] { swarm.RootCa.JoinTokens.Worker, swarm.RootCa.JoinTokens.Manager })
        {
            Assert.True(Orch.Security.JoinToken.TryParse(text, out var token, out var error), error);
            Assert.True(token!.MatchesCa(der));
        }
        Assert.NotEqual(swarm.RootCa.JoinTokens.Worker, swarm.RootCa.JoinTokens.Manager);
        var node = cluster.Managers[1].Live.ReadLocal(s => s.GetNode("node-1"))!;
        Assert.Equal(NodeRole.Manager, node.Spec.Role);
    }
}
