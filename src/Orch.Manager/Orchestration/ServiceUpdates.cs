using Orch.Api.V1.Objects;

namespace Orch.Manager.Orchestration;

/// <summary>
/// How a service object changes on `service update` and `service rollback` (the control API's
/// decision, kept pure so the loops' tests drive services exactly as the API does).
/// </summary>
internal static class ServiceUpdates
{
    /// <summary>The service with <paramref name="spec"/> (validated, defaults filled) as its spec.</summary>
    /// <exception cref="ArgumentException">Rename or mode change.</exception>
    public static Service Update(Service service, ServiceSpec spec, bool force)
    {
        spec = spec.Clone();
        if (spec.Name.Length == 0)
        {
            spec.Name = service.Spec.Name;
        }
        if (spec.Name != service.Spec.Name)
        {
            throw new ArgumentException("renaming a service is not supported");
        }
        if (spec.Mode != service.Spec.Mode)
        {
            throw new ArgumentException("the mode of a service cannot be changed");
        }
        spec.TaskTemplate ??= new TaskSpec();
        spec.TaskTemplate.ForceUpdate = service.Spec.TaskTemplate?.ForceUpdate ?? 0;
        if (force)
        {
            spec.TaskTemplate.ForceUpdate++;
        }
        var updated = service.Clone();
        var tasksChange = !Equals(spec.TaskTemplate, service.Spec.TaskTemplate) || !Equals(spec.Endpoint, service.Spec.Endpoint);
        updated.PreviousSpec = service.Spec;
        updated.PreviousSpecVersion = service.SpecVersion;
        updated.Spec = spec;
        updated.SpecVersion = service.SpecVersion + 1;
        if (tasksChange)
        {
            // Scaling alone is no update. The rolling updater stamps started_at when it starts.
            updated.UpdateStatus = new UpdateStatus { State = UpdateState.Updating, Message = "update in progress" };
        }
        return updated;
    }

    /// <summary>The service back on its previous spec (one level, as Swarm), its current spec kept as previous.</summary>
    /// <exception cref="InvalidOperationException">There is no previous spec.</exception>
    public static Service Rollback(Service service)
    {
        if (service.PreviousSpec is null)
        {
            throw new InvalidOperationException($"service {service.Spec.Name} does not have a previous spec");
        }
        var updated = service.Clone();
        updated.Spec = service.PreviousSpec;
        updated.PreviousSpec = service.Spec;
        updated.SpecVersion = service.SpecVersion + 1;
        updated.PreviousSpecVersion = service.SpecVersion;
        updated.UpdateStatus = new UpdateStatus { State = UpdateState.RollbackStarted, Message = "manually requested rollback" };
        return updated;
    }
}
