using Orch.Api.V1.Objects;
using Orch.Manager.Scheduling;

namespace Orch.Manager.Orchestration;

/// <summary>The shape every per-service decider shares: one pass over the services of a mode, and their parsed constraints.</summary>
internal static class PerService
{
    public static Decision Decide(ClusterView view, ServiceMode mode, DateTimeOffset now, Action<ClusterView, Service, DateTimeOffset, Decision> decide)
    {
        var d = new Decision();
        foreach (var s in view.Services.Values.Where(s => s.Spec.Mode == mode))
        {
            decide(view, s, now, d);
        }
        return d;
    }

    /// <summary>
    /// The service's placement constraints, or null when they do not parse: validated at create, so
    /// an old bad spec makes a decider do nothing rather than place (or evict) everywhere.
    /// </summary>
    public static IReadOnlyList<Constraint>? ConstraintsOf(Service s)
    {
        try
        {
            return Constraint.ParseAll(s.Spec.TaskTemplate?.Placement?.Constraints ?? []);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
