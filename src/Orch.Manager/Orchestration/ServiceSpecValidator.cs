using System.Text.RegularExpressions;
using Orch.Api.V1.Objects;
using Orch.Manager.Scheduling;

namespace Orch.Manager.Orchestration;

/// <summary>
/// Checks a service spec before it is proposed; every message names the field and the problem
/// (it becomes the INVALID_ARGUMENT detail the CLI prints).
/// </summary>
internal static partial class ServiceSpecValidator
{
    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    private static partial Regex NamePattern();

    /// <summary>Null when valid, else the first problem found.</summary>
    public static string? Validate(ServiceSpec spec)
    {
        if (spec.Name.Length > 0 && !NamePattern().IsMatch(spec.Name))
        {
            return $"invalid service name \"{spec.Name}\": letters, digits, '_', '.', '-' only, starting with a letter or digit, at most 63";
        }
        if (spec.Mode == ServiceMode.Global && spec.HasReplicas)
        {
            return "replicas can only be used with replicated mode";
        }
        var t = spec.TaskTemplate;
        var c = t?.Container;
        if (c is null || c.Image.Trim().Length == 0)
        {
            return "no image given";
        }
        foreach (var m in c.Mounts)
        {
            if (!m.Target.StartsWith('/'))
            {
                return $"invalid mount target \"{m.Target}\": must be an absolute path";
            }
            if (m.Type == MountType.Bind && !m.Source.StartsWith('/'))
            {
                return $"invalid bind mount source \"{m.Source}\": must be an absolute path";
            }
            if (m.Type == MountType.Tmpfs && m.Source.Length > 0)
            {
                return $"invalid tmpfs mount at {m.Target}: tmpfs takes no source";
            }
        }
        if (Negative(c.StopGracePeriod) || Negative(c.Healthcheck?.Interval) || Negative(c.Healthcheck?.Timeout) || Negative(c.Healthcheck?.StartPeriod))
        {
            return "durations must not be negative";
        }
        if (t!.Resources is { } r && (Below0(r.Reservations) || Below0(r.Limits)))
        {
            return "resources must not be negative";
        }
        if (t.RestartPolicy is { } rp && (Negative(rp.Delay) || Negative(rp.Window)))
        {
            return "restart delay and window must not be negative";
        }
        if (t.Placement is { } p && PlacementError(p) is { } placement)
        {
            return placement;
        }
        return UpdateError(spec.UpdateConfig, "update") ?? UpdateError(spec.RollbackConfig, "rollback") ?? PortsError(spec.Endpoint);
    }

    private static string? PlacementError(Placement p)
    {
        try
        {
            Constraint.ParseAll(p.Constraints);
            foreach (var pref in p.Preferences)
            {
                TaskDemand.SpreadLabel(pref.SpreadDescriptor);
            }
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    private static string? UpdateError(UpdateConfig? u, string which)
    {
        if (u is null)
        {
            return null;
        }
        if (u.MaxFailureRatio is < 0 or > 1 || float.IsNaN(u.MaxFailureRatio))
        {
            return $"invalid {which} max failure ratio {u.MaxFailureRatio}: must be between 0 and 1";
        }
        if (Negative(u.Delay) || Negative(u.Monitor))
        {
            return $"{which} delay and monitor must not be negative";
        }
        return which == "rollback" && u.FailureAction == UpdateFailureAction.Rollback
            ? "rollback failure action can only be pause or continue"
            : null;
    }

    private static string? PortsError(EndpointSpec? e)
    {
        var seen = new HashSet<(PortProtocol, uint)>();
        foreach (var p in e?.Ports ?? [])
        {
            if (p.TargetPort is 0 or > 65535)
            {
                return $"invalid target port {p.TargetPort}: must be 1-65535";
            }
            if (p.PublishedPort > 65535)
            {
                return $"invalid published port {p.PublishedPort}: must be 0-65535";
            }
            if (p.PublishedPort != 0 && !seen.Add((p.Protocol, p.PublishedPort)))
            {
                return $"port {p.PublishedPort}/{(p.Protocol == PortProtocol.Udp ? "udp" : "tcp")} is published more than once";
            }
        }
        return null;
    }

    private static bool Negative(Google.Protobuf.WellKnownTypes.Duration? d) => d is not null && d.ToTimeSpan() < TimeSpan.Zero;

    private static bool Below0(Api.V1.Objects.Resources? r) => r is not null && (r.NanoCpus < 0 || r.MemoryBytes < 0 || r.Pids < 0);
}
