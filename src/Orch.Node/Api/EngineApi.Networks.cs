using Grpc.Core;
using Orch.Api.V1;
using Orch.Engine.Network;

namespace Orch.Node.Api;

/// <summary>Networks: bridge, host and none, as `docker network ls` lists them.</summary>
internal sealed partial class EngineApi
{
    public override Task<ListNetworksResponse> ListNetworks(Empty request, ServerCallContext context)
    {
        // Resolved per call rather than through the constructor so the Networks facet stays self-contained.
        var driver = context.GetHttpContext().RequestServices.GetRequiredService<INetworkDriver>();
        var response = new ListNetworksResponse();
        foreach (var n in driver.List())
        {
            response.Networks.Add(new Orch.Api.V1.Network
            {
                Id = n.Id,
                Name = n.Name,
                Driver = n.Driver,
                Scope = "local",
                Subnet = n.Subnet,
                Gateway = n.Gateway,
            });
        }
        return Task.FromResult(response);
    }
}
