using Grpc.Core;
using Orch.Agent.Joining;
using Orch.Api.V1;
using NodeRole = Orch.Api.V1.Objects.NodeRole;
using Orch.Manager.Hosting;
using Orch.Security;

namespace Orch.Node.Swarm;

internal sealed partial class SwarmController
{
    private const string AlreadyInSwarm = "This node is already part of a swarm. Use \"orch swarm leave\" to leave this swarm and join another one.";

    public async Task<SwarmInitResponse> InitAsync(SwarmInitRequest request, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (request.ForceNewCluster)
            {
                return await ForceNewClusterAsync(ct);
            }
            if (state is not null)
            {
                throw Precondition(AlreadyInSwarm);
            }
            var listen = SwarmAddresses.Listen(request.ListenAddr);
            var advertise = SwarmAddresses.Advertise(request.AdvertiseAddr, listen);
            var (host, certificates, response) = await Detached(() => ManagerHost.InitAsync(new ManagerHostOptions
            {
                DataDir = RaftDir,
                Listen = listen,
                Advertise = advertise,
                Images = LocalImages(),
            }, request, NodeDescriber.Describe(options), CertificatesDir, loggers, ct));
            manager = host;
            host.Failed += reason => Fatal?.Invoke(reason);
            certs = certificates;
            state = new SwarmState
            {
                NodeId = response.NodeId,
                ClusterId = certificates.Identity.ClusterId,
                Role = NodeRole.Manager,
                ListenAddr = listen.ToString(),
                AdvertiseAddr = advertise.ToString(),
                Managers = [host.Options.ApiAddress],
            };
            state.Save(StateFile);
            StartAgent();
            LogInitialised(state.ClusterId, state.NodeId, state.ListenAddr);
            return response;
        }
        catch (Exception e) when (e is not RpcException && state is null)
        {
            await ForgetAsync();
            throw new RpcException(new Status(StatusCode.Internal, $"swarm init failed: {e.Message}"));
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Disaster recovery: this manager's state becomes a new one-manager cluster.</summary>
    private async Task<SwarmInitResponse> ForceNewClusterAsync(CancellationToken ct)
    {
        if (state is not { Role: NodeRole.Manager } s)
        {
            throw Precondition("--force-new-cluster needs a node that was a manager of a swarm (its state is the one kept)");
        }
        await StopAgentAsync();
        if (manager is not null)
        {
            await manager.DisposeAsync();
            manager = null;
        }
        manager = await StartManagerAsync(s, ManagerStart.ForceNewCluster, ct);
        await manager.WaitReadyAsync(ct);
        state = s with { Managers = [manager.Options.ApiAddress] };
        state.Save(StateFile);
        StartAgent();
        var tokens = await manager.JoinTokensAsync(ct);
        return new SwarmInitResponse
        {
            NodeId = s.NodeId,
            WorkerToken = tokens.Worker,
            ManagerToken = tokens.Manager,
            ManagerAddr = manager.Options.ApiAddress,
        };
    }

    public async Task<SwarmJoinResponse> JoinAsync(SwarmJoinRequest request, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (state is not null)
            {
                throw Precondition(AlreadyInSwarm);
            }
            if (request.RemoteAddr.Length == 0)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "a manager address (HOST:PORT) is required"));
            }
            var remote = request.RemoteAddr.Contains(':', StringComparison.Ordinal) ? request.RemoteAddr : $"{request.RemoteAddr}:{SwarmAddresses.DefaultPort}";
            var listen = SwarmAddresses.Listen(request.ListenAddr);
            var advertise = SwarmAddresses.Advertise(request.AdvertiseAddr, listen);
            var (certificates, response) = await JoinClient.JoinAsync(request.Token, remote, advertise.ToString(), NodeDescriber.Describe(options), CertificatesDir, ct);
            certs = certificates;
            var joined = new SwarmState
            {
                NodeId = response.NodeId,
                ClusterId = response.ClusterId,
                Role = response.Role,
                ListenAddr = listen.ToString(),
                AdvertiseAddr = advertise.ToString(),
                Managers = response.Managers.Count > 0 ? response.Managers.ToList() : [remote],
            };
            if (response.Role == NodeRole.Manager)
            {
                manager = await StartManagerAsync(joined, ManagerStart.Join, ct);
                await manager.JoinAsync(remote, ct);
            }
            state = joined;
            state.Save(StateFile);
            StartAgent();
            LogJoined(remote, response.NodeId, response.Role.ToString());
            return new SwarmJoinResponse { NodeId = response.NodeId, Role = response.Role };
        }
        catch (Exception) when (state is null)
        {
            await ForgetAsync();
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task LeaveAsync(bool force, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            if (state is null)
            {
                throw Precondition("This node is not part of a swarm");
            }
            if (state.Role == NodeRole.Manager && !force)
            {
                throw Precondition("You are attempting to leave the swarm on a node that is participating as a manager. "
                    + "Removing this node leaves the remaining managers with a smaller quorum, and removing the last manager erases all current state of the swarm. "
                    + "Use `--force` to ignore this message.");
            }
            var id = state.NodeId;
            await ForgetAsync();
            LogLeft(id);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops everything swarm-related and deletes the node's swarm state (certificates, Raft data).</summary>
    private async Task ForgetAsync()
    {
        // Leaving shuts this node's tasks down (their containers go), as Docker's agent does.
        if (worker is not null)
        {
            worker.Apply(new Assignments());
            await worker.WaitIdleAsync(TimeSpan.FromSeconds(30));
        }
        await StopAgentAsync();
        balancer?.Apply(new Orch.Api.V1.Objects.EndpointTable()); // outside a swarm nothing is published
        if (manager is not null)
        {
            await manager.DisposeAsync();
            manager = null;
        }
        certs?.Dispose();
        certs = null;
        state = null;
        if (Directory.Exists(SwarmDir))
        {
            Directory.Delete(SwarmDir, recursive: true);
        }
    }
}
