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
}
