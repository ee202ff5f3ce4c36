using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Orchestration;

/// <summary>`service ls`: services with running/desired task counts, from one read of the store.</summary>
internal static class ServiceListing
{
    public static ListServicesResponse Build(ClusterState state, IReadOnlyCollection<string> names)
    {
        var services = state.ListServices().Where(s => names.Count == 0
            || names.Any(n => s.Spec.Name == n || s.Id.StartsWith(n, StringComparison.Ordinal))).ToList();
        var tasks = state.ListTasks();
        var nodes = state.ListNodes().ToDictionary(n => n.Id, StringComparer.Ordinal);
        var response = new ListServicesResponse();
        response.Services.AddRange(services);
        foreach (var s in services)
        {
            var mine = tasks.Where(t => t.ServiceId == s.Id && t.DesiredState <= TaskState.Running).ToList();
            response.RunningTasks[s.Id] = (ulong)mine.Count(t => t.Status?.State == TaskState.Running);
            response.DesiredTasks[s.Id] = s.Spec.Mode == ServiceMode.Global
                ? (ulong)mine.Select(t => t.NodeId).Where(nodes.ContainsKey).Distinct().Count()
                : ServiceDefaults.ReplicasOf(s.Spec);
        }
        return response;
    }
}
