using Grpc.Core;
using Grpc.Net.Client;
using Orch.Agent.Joining;
using Orch.Api.V1;
using NodeRole = Orch.Api.V1.Objects.NodeRole;
using ControlClient = Orch.Api.V1.Control.ControlClient;
using Orch.Security;

namespace Orch.Manager.Tests.Swarm;

/// <summary>Issue 8's security acceptance, on real managers over mutual TLS (in process).</summary>
public sealed class SwarmSecurityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly SwarmFixture swarm = new(output);

    public async Task InitializeAsync() => await swarm.InitAsync();

    public async Task DisposeAsync() => await swarm.DisposeAsync();

    [Fact]
    public async Task WorkerToken_JoinsAsWorker_NodeListedByManager()
    {
        var (certs, response, _) = await swarm.JoinAsync("w1", swarm.Init!.WorkerToken);

        Assert.Equal(NodeRole.Worker, response.Role);
        Assert.Equal(NodeRole.Worker, certs.Identity.Role);
        Assert.Equal(response.NodeId, certs.Identity.NodeId);
        Assert.Contains(swarm.FirstAddr, response.Managers);
        var nodes = await ManagerControl(swarm.First!).ListNodesAsync(new ListNodesRequest());
        Assert.Equal(2, nodes.Nodes.Count);
        Assert.Contains(nodes.Nodes, n => n.Id == response.NodeId && n.Description.Hostname == "w1" && n.Spec.Role == NodeRole.Worker);
    }

    [Fact]
    public async Task ManagerToken_JoinsRaft_BothManagersServeReads()
    {
        var (_, response, second) = await swarm.JoinAsync("m2", swarm.Init!.ManagerToken);

        Assert.Equal(NodeRole.Manager, response.Role);
        var viaSecond = await ManagerControl(second!).ListNodesAsync(new ListNodesRequest());
        Assert.Equal(2, viaSecond.Nodes.Count(n => n.Spec.Role == NodeRole.Manager && n.ManagerStatus.RaftAddr.Length > 0));
        Assert.NotEqual("", viaSecond.LeaderRaftAddr);
        Assert.Equal(2, viaSecond.ReachableRaftAddrs.Count);
    }

    [Fact]
    public async Task ThreeManagers_NodeLsThroughFollower_EveryManagerReachable()
    {
        await swarm.JoinAsync("m2", swarm.Init!.ManagerToken);
        var (_, _, third) = await swarm.JoinAsync("m3", swarm.Init!.ManagerToken);

        // m3 joined last, so it is a follower; a DotNext follower tracks no peer but the leader, and without asking
        // the leader it would call m2 Unreachable.
        ListNodesResponse? last = null;
        await Raft.Eventually.TrueAsync(() =>
        {
            last = ManagerControl(third!).ListNodes(new ListNodesRequest());
            return last.ReachableRaftAddrs.Count == 3;
        }, TimeSpan.FromSeconds(30), "node ls through the follower m3 shows 3 managers reachable", () => last?.ToString() ?? "no answer");
        Assert.NotEqual(last!.LeaderRaftAddr, third!.Options.RaftAdvertise.ToString());
        Assert.Equal(3, last.Nodes.Count(n => n.ManagerStatus is { RaftAddr.Length: > 0 } m && last.ReachableRaftAddrs.Contains(m.RaftAddr)));
    }

    [Fact]
    public async Task WrongSecret_Refused_WithReason()
    {
        var good = swarm.Init!.WorkerToken;
        var bad = good[..^5] + (good[^5..] == "00000" ? "11111" : "00000");

        var e = await Assert.ThrowsAsync<RpcException>(() => swarm.JoinAsync("w1", bad));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("invalid join token", e.Status.Detail);
    }

    [Fact]
    public async Task TokenOfAnotherCa_RefusedBeforeTheSecretIsSent()
    {
        var good = JoinToken.TryParse(swarm.Init!.WorkerToken, out var t, out _) ? t! : throw new InvalidOperationException();
        var other = new JoinToken(new string('7', good.CaDigest.Length), good.Secret).ToString();

        var e = await Assert.ThrowsAsync<RpcException>(() => swarm.JoinAsync("w1", other));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("does not match the join token", e.Status.Detail);
        // The manager never saw a join attempt: still only itself.
        Assert.Single((await ManagerControl(swarm.First!).ListNodesAsync(new ListNodesRequest())).Nodes);
    }

    [Fact]
    public async Task RotatedToken_RefusedForNewJoins_NewTokenWorks()
    {
        var old = swarm.Init!.WorkerToken;
        var control = ManagerControl(swarm.First!);
        var rotated = await control.UpdateSwarmAsync(new UpdateSwarmRequest { RotateWorkerToken = true });

        Assert.NotEqual(old, rotated.RootCa.JoinTokens.Worker);
        Assert.Equal("", rotated.RootCa.CaKeyPem);
        var e = await Assert.ThrowsAsync<RpcException>(() => swarm.JoinAsync("w1", old));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        var (_, joined, _) = await swarm.JoinAsync("w2", rotated.RootCa.JoinTokens.Worker);
        Assert.Equal(NodeRole.Worker, joined.Role);
    }

    [Fact]
    public async Task WorkerCertificate_CannotCallManagerApis()
    {
        var (certs, _, _) = await swarm.JoinAsync("w1", swarm.Init!.WorkerToken);
        var asWorker = new ControlClient(swarm.Channels(certs).For(swarm.FirstAddr));

        var e = await Assert.ThrowsAsync<RpcException>(async () => await asWorker.ListNodesAsync(new ListNodesRequest()));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("worker", e.Status.Detail);
    }

    [Fact]
    public async Task ClientWithoutCertificate_CannotCallAnythingButJoin()
    {
        using var anonymous = GrpcChannel.ForAddress($"https://{swarm.FirstAddr}",
            new GrpcChannelOptions { HttpHandler = ClusterTls.JoinHandler(_ => true) });

        var control = await Assert.ThrowsAsync<RpcException>(async () =>
            await new ControlClient(anonymous).ListNodesAsync(new ListNodesRequest()));
        var renew = await Assert.ThrowsAsync<RpcException>(async () =>
            await new NodeCA.NodeCAClient(anonymous).RenewNodeCertificateAsync(new RenewNodeCertificateRequest()));
        var proxy = await Assert.ThrowsAsync<RpcException>(async () =>
            await new RaftProxy.RaftProxyClient(anonymous).StatusAsync(new RaftStatusRequest()));

        Assert.All(new[] { control, renew, proxy }, e => Assert.Equal(StatusCode.Unauthenticated, e.StatusCode));
        // The CA certificate itself is public (a joiner checks it against its token).
        Assert.Contains("BEGIN CERTIFICATE", (await new NodeCA.NodeCAClient(anonymous).GetRootCertificateAsync(new GetRootCertificateRequest())).CaCertPem);
    }

    [Fact]
    public async Task RemovedNode_CertificateRefused()
    {
        var (certs, response, _) = await swarm.JoinAsync("w1", swarm.Init!.WorkerToken);
        var ca = new NodeCA.NodeCAClient(swarm.Channels(certs).For(swarm.FirstAddr));
        var (key, csr) = NodeCertificates.NewKeyAndCsr();
        key.Dispose();
        Assert.NotEqual("", (await ca.RenewNodeCertificateAsync(new RenewNodeCertificateRequest { CsrPem = csr })).CertPem);

        await ManagerControl(swarm.First!).RemoveNodeAsync(new RemoveNodeRequest { Id = response.NodeId, Force = true });

        var e = await Assert.ThrowsAsync<RpcException>(async () => await ca.RenewNodeCertificateAsync(new RenewNodeCertificateRequest { CsrPem = csr }));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("removed", e.Status.Detail);
    }

    /// <summary>The first manager's control API as a manager client would call it: over mutual TLS with the manager's own certificate.</summary>
    private ControlClient ManagerControl(Orch.Manager.Hosting.ManagerHost host)
    {
        var certs = NodeCertificates.Load(Path.Combine(Path.GetDirectoryName(host.Options.DataDir)!, "certs"))!;
        return new ControlClient(swarm.Channels(certs).For(host.Options.ApiAddress));
    }
}
