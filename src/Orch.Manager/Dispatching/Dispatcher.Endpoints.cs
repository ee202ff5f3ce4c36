using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Dispatching;

/// <summary>
/// The load balancers' side of the session (issue 6): every session carries the cluster's
/// endpoint table, pushed at once and after every store change that alters it (task state,
/// health, desired state, node readiness, a service's ports). Each node's balancer serves the
/// newest table it received.
/// </summary>
internal sealed partial class Dispatcher
{
    private EndpointTable Endpoints() =>
        store.ReadLocal(s => EndpointTables.Build(s.ListServices(), s.ListTasks(), s.ListNodes()));

    private static bool AffectsEndpoints(StoreEvent e) => e.Object?.KindCase switch
    {
        null => true,
        StoreObject.KindOneofCase.Task or StoreObject.KindOneofCase.Service or StoreObject.KindOneofCase.Node => true,
        _ => false,
    };
}
