using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Swarm's service defaults (docker/cli service_create.md, swarmkit api/defaults/service.go), in
/// one place. <see cref="Fill"/> runs at create/update so that stored specs are complete; the
/// loops resolve through the accessors below so that an unset field still means the default.
/// </summary>
internal static class ServiceDefaults
{
    public const ulong Replicas = 1;
    public static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(10);
    public const RestartCondition Restart = RestartCondition.Any;
    public static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);
    public const ulong UpdateParallelism = 1;
    public static readonly TimeSpan UpdateDelay = TimeSpan.Zero;
    public const UpdateFailureAction FailureAction = UpdateFailureAction.Pause;
    public static readonly TimeSpan Monitor = TimeSpan.FromSeconds(5);
    public const UpdateOrder Order = UpdateOrder.StopFirst;
    /// <summary>Finished tasks kept per slot when the cluster spec does not say (swarm init default).</summary>
    public const long TaskHistoryLimit = 5;

    /// <summary>A copy of <paramref name="spec"/> with every unset default filled in.</summary>
    public static ServiceSpec Fill(ServiceSpec spec)
    {
        var s = spec.Clone();
        if (s.Mode == ServiceMode.Replicated && !s.HasReplicas)
        {
            s.Replicas = Replicas;
        }
        s.TaskTemplate ??= new TaskSpec();
        var t = s.TaskTemplate;
        t.Container ??= new ContainerSpec();
        t.Container.StopGracePeriod ??= Duration.FromTimeSpan(StopGracePeriod);
        t.Resources ??= new ResourceRequirements();
        t.Resources.Reservations ??= new Api.V1.Objects.Resources();
        t.Resources.Limits ??= new Api.V1.Objects.Resources();
        t.RestartPolicy ??= new RestartPolicy();
        if (t.RestartPolicy.Condition == RestartCondition.Unspecified)
        {
            t.RestartPolicy.Condition = Restart;
        }
        t.RestartPolicy.Delay ??= Duration.FromTimeSpan(RestartDelay);
        t.RestartPolicy.Window ??= Duration.FromTimeSpan(TimeSpan.Zero);
        t.Placement ??= new Placement();
        s.UpdateConfig = FillUpdate(s.UpdateConfig);
        s.RollbackConfig = FillUpdate(s.RollbackConfig);
        s.Endpoint ??= new EndpointSpec();
        return s;
    }

    private static UpdateConfig FillUpdate(UpdateConfig? c)
    {
        c = c?.Clone() ?? new UpdateConfig();
        if (!c.HasParallelism)
        {
            c.Parallelism = UpdateParallelism;
        }
        c.Delay ??= Duration.FromTimeSpan(UpdateDelay);
        if (c.FailureAction == UpdateFailureAction.Unspecified)
        {
            c.FailureAction = FailureAction;
        }
        c.Monitor ??= Duration.FromTimeSpan(Monitor);
        if (c.Order == UpdateOrder.Unspecified)
        {
            c.Order = Order;
        }
        return c;
    }

    public static ulong ReplicasOf(ServiceSpec spec) => spec.HasReplicas ? spec.Replicas : Replicas;

    public static RestartCondition ConditionOf(TaskSpec? t) =>
        t?.RestartPolicy?.Condition is { } c && c != RestartCondition.Unspecified ? c : Restart;

    public static TimeSpan RestartDelayOf(TaskSpec? t) => t?.RestartPolicy?.Delay?.ToTimeSpan() ?? RestartDelay;

    /// <summary>The update (or rollback) settings with defaults resolved.</summary>
    public static UpdateConfig UpdateOf(ServiceSpec spec, bool rollback) =>
        FillUpdate(rollback ? spec.RollbackConfig : spec.UpdateConfig);
}
