using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// Flags → <see cref="ServiceSpec"/>, as docker/cli builds the spec client-side. Only flags that were
/// given touch the spec; everything else stays unset so that the manager fills in Swarm's defaults
/// (Orch.Manager.Orchestration.ServiceDefaults). Update edits a copy of the stored spec in place.
/// </summary>
internal static partial class ServiceSpecBuilder
{
    /// <summary><c>service create [flags] IMAGE [COMMAND] [ARG...]</c>.</summary>
    public static ServiceSpec Create(ServiceFlags f, IReadOnlyList<string> positionals)
    {
        var cmd = f.Set.Command;
        if (positionals.Count == 0)
        {
            throw new UsageException($"\"orch {cmd}\" requires at least 1 argument.", cmd);
        }
        var spec = new ServiceSpec { Name = f.Name!.ValueOr(""), TaskTemplate = new TaskSpec { Container = new ContainerSpec { Image = positionals[0] } } };
        spec.TaskTemplate.Container.Args.AddRange(positionals.Skip(1));
        if (f.Mode!.Value() is { } mode)
        {
            spec.Mode = mode switch
            {
                "replicated" => ServiceMode.Replicated,
                "global" => ServiceMode.Global,
                _ => throw ServiceUnits.Invalid(cmd, "mode", mode, "invalid mode, must be one of replicated, global"),
            };
        }
        var c = spec.TaskTemplate.Container;
        foreach (var file in f.EnvFile!.Values)
        {
            c.Env.AddRange(ServiceOptions.EnvFile(file));
        }
        c.Env.AddRange(f.Env!.Values);
        foreach (var l in f.Label!.Values)
        {
            var (k, v) = ServiceOptions.KeyValue(l);
            spec.Labels[k] = v;
        }
        foreach (var l in f.ContainerLabel!.Values)
        {
            var (k, v) = ServiceOptions.KeyValue(l);
            c.Labels[k] = v;
        }
        c.Mounts.AddRange(f.Mount!.Values.Select(v => ServiceOptions.Mount(cmd, "mount", v)));
        if (f.Publish!.Set)
        {
            spec.Endpoint = new EndpointSpec();
            spec.Endpoint.Ports.AddRange(f.Publish.Values.Select(v => ServiceOptions.Port(cmd, "publish", v)));
        }
        if (f.Constraint!.Set || f.PlacementPref!.Set)
        {
            var p = Placement(spec.TaskTemplate);
            p.Constraints.AddRange(f.Constraint.Values);
            p.Preferences.AddRange(f.PlacementPref!.Values.Select(v => ServiceOptions.Preference(cmd, "placement-pref", v)));
        }
        ApplyScalars(f, spec);
        return spec;
    }

    /// <summary>Flags that create and update share: each one given replaces its field.</summary>
    private static void ApplyScalars(ServiceFlags f, ServiceSpec spec)
    {
        var cmd = f.Set.Command;
        var t = spec.TaskTemplate ??= new TaskSpec();
        var c = t.Container ??= new ContainerSpec();
        if (f.Replicas.Value() is { } replicas)
        {
            if (spec.Mode == ServiceMode.Global)
            {
                throw new UsageException("replicas can only be used with replicated mode", cmd);
            }
            spec.Replicas = ServiceUnits.UInt(cmd, "replicas", replicas);
        }
        if (f.ReplicasMaxPerNode.Value() is { } maxPerNode)
        {
            Placement(t).MaxReplicas = ServiceUnits.UInt(cmd, "replicas-max-per-node", maxPerNode);
        }
        if (f.Workdir.Value() is { } workdir)
        {
            c.Workdir = workdir;
        }
        if (f.User.Value() is { } user)
        {
            c.User = user;
        }
        if (f.Entrypoint.Value() is { } entrypoint)
        {
            c.Entrypoint.Clear();
            c.Entrypoint.AddRange(ServiceOptions.Words(entrypoint));
        }
        if (f.Hostname.Value() is { } hostname)
        {
            c.Hostname = hostname;
        }
        if (f.ReadOnly.Set)
        {
            c.ReadOnly = f.ReadOnly.On();
        }
        ApplyResources(f, t);
        ApplyRestart(f, t);
        if (HasAny(f.Update))
        {
            spec.UpdateConfig = ApplyUpdate(cmd, f.Update, spec.UpdateConfig?.Clone() ?? new UpdateConfig());
        }
        if (HasAny(f.RollbackCfg))
        {
            spec.RollbackConfig = ApplyUpdate(cmd, f.RollbackCfg, spec.RollbackConfig?.Clone() ?? new UpdateConfig());
        }
        ApplyHealth(f, c);
        if (f.StopGracePeriod.Value() is { } grace)
        {
            c.StopGracePeriod = Dur(cmd, "stop-grace-period", grace);
        }
        if (f.StopSignal.Value() is { } signal)
        {
            c.StopSignal = signal;
        }
    }

    private static void ApplyResources(ServiceFlags f, TaskSpec t)
    {
        var cmd = f.Set.Command;
        Resources Reservations() => (t.Resources ??= new ResourceRequirements()).Reservations ??= new Resources();
        Resources Limits() => (t.Resources ??= new ResourceRequirements()).Limits ??= new Resources();
        if (f.ReserveCpu.Value() is { } rc)
        {
            Reservations().NanoCpus = ServiceUnits.NanoCpus(cmd, "reserve-cpu", rc);
        }
        if (f.ReserveMemory.Value() is { } rm)
        {
            Reservations().MemoryBytes = ServiceUnits.Size(cmd, "reserve-memory", rm);
        }
        if (f.LimitCpu.Value() is { } lc)
        {
            Limits().NanoCpus = ServiceUnits.NanoCpus(cmd, "limit-cpu", lc);
        }
        if (f.LimitMemory.Value() is { } lm)
        {
            Limits().MemoryBytes = ServiceUnits.Size(cmd, "limit-memory", lm);
        }
        if (f.LimitPids.Value() is { } lp)
        {
            Limits().Pids = ServiceUnits.Int(cmd, "limit-pids", lp);
        }
    }

    private static void ApplyRestart(ServiceFlags f, TaskSpec t)
    {
        var cmd = f.Set.Command;
        RestartPolicy Policy() => t.RestartPolicy ??= new RestartPolicy();
        if (f.RestartCondition.Value() is { } cond)
        {
            Policy().Condition = cond switch
            {
                "none" => RestartCondition.None,
                "on-failure" => RestartCondition.OnFailure,
                "any" => RestartCondition.Any,
                _ => throw ServiceUnits.Invalid(cmd, "restart-condition", cond, "invalid restart condition, must be one of none, on-failure, any"),
            };
        }
        if (f.RestartDelay.Value() is { } delay)
        {
            Policy().Delay = Dur(cmd, "restart-delay", delay);
        }
        if (f.RestartMaxAttempts.Value() is { } max)
        {
            Policy().MaxAttempts = ServiceUnits.UInt(cmd, "restart-max-attempts", max);
        }
        if (f.RestartWindow.Value() is { } window)
        {
            Policy().Window = Dur(cmd, "restart-window", window);
        }
    }

    private static bool HasAny(ServiceFlags.UpdateFlags u) =>
        u.Parallelism.Set || u.Delay.Set || u.FailureAction.Set || u.Monitor.Set || u.MaxFailureRatio.Set || u.Order.Set;

    private static UpdateConfig ApplyUpdate(string cmd, ServiceFlags.UpdateFlags u, UpdateConfig c)
    {
        var p = u.Prefix;
        if (u.Parallelism.Value() is { } par)
        {
            c.Parallelism = ServiceUnits.UInt(cmd, p + "-parallelism", par);
        }
        if (u.Delay.Value() is { } delay)
        {
            c.Delay = Dur(cmd, p + "-delay", delay);
        }
        if (u.FailureAction.Value() is { } action)
        {
            c.FailureAction = action switch
            {
                "pause" => UpdateFailureAction.Pause,
                "continue" => UpdateFailureAction.Continue,
                "rollback" when p == "update" => UpdateFailureAction.Rollback,
                _ => throw ServiceUnits.Invalid(cmd, p + "-failure-action", action, p == "update"
                    ? "must be one of pause, continue, rollback" : "must be one of pause, continue"),
            };
        }
        if (u.Monitor.Value() is { } monitor)
        {
            c.Monitor = Dur(cmd, p + "-monitor", monitor);
        }
        if (u.MaxFailureRatio.Value() is { } ratio)
        {
            var r = ServiceUnits.Float(cmd, p + "-max-failure-ratio", ratio);
            c.MaxFailureRatio = r is >= 0 and <= 1 ? r
                : throw ServiceUnits.Invalid(cmd, p + "-max-failure-ratio", ratio, "must be between 0 and 1");
        }
        if (u.Order.Value() is { } order)
        {
            c.Order = order switch
            {
                "stop-first" => UpdateOrder.StopFirst,
                "start-first" => UpdateOrder.StartFirst,
                _ => throw ServiceUnits.Invalid(cmd, p + "-order", order, "must be one of stop-first, start-first"),
            };
        }
        return c;
    }

    private static void ApplyHealth(ServiceFlags f, ContainerSpec c)
    {
        var cmd = f.Set.Command;
        var anyHealth = f.HealthCmd.Set || f.HealthInterval.Set || f.HealthTimeout.Set || f.HealthRetries.Set || f.HealthStartPeriod.Set;
        if (f.NoHealthcheck.On())
        {
            if (anyHealth)
            {
                throw new UsageException("--no-healthcheck conflicts with --health-* options", cmd);
            }
            c.Healthcheck = new HealthConfig { Disabled = true };
            return;
        }
        if (!anyHealth)
        {
            return;
        }
        var h = c.Healthcheck = c.Healthcheck?.Clone() ?? new HealthConfig();
        h.Disabled = false;
        if (f.HealthCmd.Value() is { } test)
        {
            h.Test.Clear();
            if (test.Length > 0)
            {
                h.Test.Add("CMD-SHELL");
                h.Test.Add(test);
            }
        }
        if (f.HealthInterval.Value() is { } interval)
        {
            h.Interval = Dur(cmd, "health-interval", interval);
        }
        if (f.HealthTimeout.Value() is { } timeout)
        {
            h.Timeout = Dur(cmd, "health-timeout", timeout);
        }
        if (f.HealthRetries.Value() is { } retries)
        {
            h.Retries = (uint)ServiceUnits.UInt(cmd, "health-retries", retries);
        }
        if (f.HealthStartPeriod.Value() is { } start)
        {
            h.StartPeriod = Dur(cmd, "health-start-period", start);
        }
    }

    private static Placement Placement(TaskSpec t) => t.Placement ??= new Placement();

    private static Duration Dur(string cmd, string flag, string value) =>
        Duration.FromTimeSpan(ServiceUnits.Duration(cmd, flag, value));
}
