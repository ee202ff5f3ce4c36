using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// A service as Docker's Engine API shapes it (swarm.Service: ID, Version.Index, CreatedAt, Spec with
/// TaskTemplate.ContainerSpec, Mode.Replicated/Global, UpdateConfig, EndpointSpec, PreviousSpec, UpdateStatus).
/// Durations are nanoseconds and enums lower-case words, as in Docker.
/// </summary>
internal static class ServiceJson
{
    public static string Array(IEnumerable<Api.V1.Objects.Service> services, IReadOnlyDictionary<string, Api.V1.LoadBalancerStats>? balancer = null)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
        {
            w.WriteStartArray();
            foreach (var s in services)
            {
                Write(w, s, balancer?.GetValueOrDefault(s.Id));
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Write(Utf8JsonWriter w, Api.V1.Objects.Service s, Api.V1.LoadBalancerStats? balancer)
    {
        w.WriteStartObject();
        w.WriteString("ID", s.Id);
        w.WriteStartObject("Version");
        w.WriteNumber("Index", s.Meta?.Version ?? 0);
        w.WriteEndObject();
        Time(w, "CreatedAt", s.Meta?.CreatedAt);
        Time(w, "UpdatedAt", s.Meta?.UpdatedAt);
        Spec(w, "Spec", s.Spec);
        if (s.PreviousSpec is not null)
        {
            Spec(w, "PreviousSpec", s.PreviousSpec);
        }
        w.WriteStartObject("Endpoint");
        w.WriteStartObject("Spec");
        Ports(w, s.Spec?.Endpoint);
        w.WriteEndObject();
        Ports(w, s.Spec?.Endpoint);
        if (balancer is not null)
        {
            LoadBalancerView.WriteJson(w, balancer);
        }
        w.WriteEndObject();
        if (s.UpdateStatus is { } u)
        {
            w.WriteStartObject("UpdateStatus");
            w.WriteString("State", UpdateState(u.State));
            Time(w, "StartedAt", u.StartedAt);
            Time(w, "CompletedAt", u.CompletedAt);
            w.WriteString("Message", u.Message);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    public static string UpdateState(UpdateState s) => s switch
    {
        Api.V1.Objects.UpdateState.Updating => "updating",
        Api.V1.Objects.UpdateState.Paused => "paused",
        Api.V1.Objects.UpdateState.Completed => "completed",
        Api.V1.Objects.UpdateState.RollbackStarted => "rollback_started",
        Api.V1.Objects.UpdateState.RollbackPaused => "rollback_paused",
        Api.V1.Objects.UpdateState.RollbackCompleted => "rollback_completed",
        _ => "",
    };

    private static void Spec(Utf8JsonWriter w, string name, ServiceSpec s)
    {
        w.WriteStartObject(name);
        w.WriteString("Name", s.Name);
        Map(w, "Labels", s.Labels);
        var t = s.TaskTemplate ?? new TaskSpec();
        w.WriteStartObject("TaskTemplate");
        var c = t.Container ?? new ContainerSpec();
        w.WriteStartObject("ContainerSpec");
        w.WriteString("Image", c.ImageDigest.Length > 0 && !c.Image.Contains('@', StringComparison.Ordinal) ? c.Image + "@" + c.ImageDigest : c.Image);
        Map(w, "Labels", c.Labels);
        Strings(w, "Command", c.Entrypoint);
        Strings(w, "Args", c.Args);
        Strings(w, "Env", c.Env);
        OptString(w, "Dir", c.Workdir);
        OptString(w, "User", c.User);
        OptString(w, "Hostname", c.Hostname);
        if (c.ReadOnly)
        {
            w.WriteBoolean("ReadOnly", true);
        }
        if (c.Mounts.Count > 0)
        {
            w.WriteStartArray("Mounts");
            foreach (var m in c.Mounts)
            {
                w.WriteStartObject();
                w.WriteString("Type", m.Type.ToString().ToLowerInvariant());
                OptString(w, "Source", m.Source);
                w.WriteString("Target", m.Target);
                if (m.ReadOnly)
                {
                    w.WriteBoolean("ReadOnly", true);
                }
                if (m.TmpfsSizeBytes > 0)
                {
                    w.WriteStartObject("TmpfsOptions");
                    w.WriteNumber("SizeBytes", m.TmpfsSizeBytes);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (c.Healthcheck is { } h)
        {
            w.WriteStartObject("Healthcheck");
            Strings(w, "Test", h.Disabled ? ["NONE"] : h.Test);
            Nanos(w, "Interval", h.Interval);
            Nanos(w, "Timeout", h.Timeout);
            Nanos(w, "StartPeriod", h.StartPeriod);
            if (h.Retries > 0)
            {
                w.WriteNumber("Retries", h.Retries);
            }
            w.WriteEndObject();
        }
        Nanos(w, "StopGracePeriod", c.StopGracePeriod);
        OptString(w, "StopSignal", c.StopSignal);
        w.WriteEndObject();
        w.WriteStartObject("Resources");
        Resources(w, "Limits", t.Resources?.Limits);
        Resources(w, "Reservations", t.Resources?.Reservations);
        w.WriteEndObject();
        var r = t.RestartPolicy ?? new RestartPolicy();
        w.WriteStartObject("RestartPolicy");
        w.WriteString("Condition", r.Condition switch
        {
            RestartCondition.None => "none",
            RestartCondition.OnFailure => "on-failure",
            _ => "any",
        });
        Nanos(w, "Delay", r.Delay);
        w.WriteNumber("MaxAttempts", r.MaxAttempts);
        Nanos(w, "Window", r.Window);
        w.WriteEndObject();
        var p = t.Placement ?? new Placement();
        w.WriteStartObject("Placement");
        Strings(w, "Constraints", p.Constraints);
        if (p.Preferences.Count > 0)
        {
            w.WriteStartArray("Preferences");
            foreach (var pref in p.Preferences)
            {
                w.WriteStartObject();
                w.WriteStartObject("Spread");
                w.WriteString("SpreadDescriptor", pref.SpreadDescriptor);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (p.MaxReplicas > 0)
        {
            w.WriteNumber("MaxReplicas", p.MaxReplicas);
        }
        w.WriteEndObject();
        w.WriteNumber("ForceUpdate", t.ForceUpdate);
        w.WriteEndObject();
        w.WriteStartObject("Mode");
        if (s.Mode == ServiceMode.Global)
        {
            w.WriteStartObject("Global");
            w.WriteEndObject();
        }
        else
        {
            w.WriteStartObject("Replicated");
            w.WriteNumber("Replicas", s.HasReplicas ? s.Replicas : 1);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        Update(w, "UpdateConfig", s.UpdateConfig);
        Update(w, "RollbackConfig", s.RollbackConfig);
        w.WriteStartObject("EndpointSpec");
        w.WriteString("Mode", "vip");
        Ports(w, s.Endpoint);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Update(Utf8JsonWriter w, string name, UpdateConfig? u)
    {
        if (u is null)
        {
            return;
        }
        w.WriteStartObject(name);
        w.WriteNumber("Parallelism", u.HasParallelism ? u.Parallelism : 1);
        Nanos(w, "Delay", u.Delay);
        w.WriteString("FailureAction", u.FailureAction switch
        {
            UpdateFailureAction.Continue => "continue",
            UpdateFailureAction.Rollback => "rollback",
            _ => "pause",
        });
        Nanos(w, "Monitor", u.Monitor);
        w.WriteNumber("MaxFailureRatio", u.MaxFailureRatio);
        w.WriteString("Order", u.Order == UpdateOrder.StartFirst ? "start-first" : "stop-first");
        w.WriteEndObject();
    }

    private static void Ports(Utf8JsonWriter w, EndpointSpec? e)
    {
        if (e is null || e.Ports.Count == 0)
        {
            return;
        }
        w.WriteStartArray("Ports");
        foreach (var p in e.Ports)
        {
            w.WriteStartObject();
            w.WriteString("Protocol", p.Protocol == PortProtocol.Udp ? "udp" : "tcp");
            w.WriteNumber("TargetPort", p.TargetPort);
            w.WriteNumber("PublishedPort", p.PublishedPort);
            w.WriteString("PublishMode", p.PublishMode == PublishMode.Host ? "host" : "ingress");
            if (p.ProxyProtocol.Length > 0)
            {
                w.WriteString("ProxyProtocol", p.ProxyProtocol); // orch's own (issue 6)
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Resources(Utf8JsonWriter w, string name, Api.V1.Objects.Resources? r)
    {
        w.WriteStartObject(name);
        if (r is not null)
        {
            if (r.NanoCpus != 0)
            {
                w.WriteNumber("NanoCPUs", r.NanoCpus);
            }
            if (r.MemoryBytes != 0)
            {
                w.WriteNumber("MemoryBytes", r.MemoryBytes);
            }
            if (r.Pids != 0)
            {
                w.WriteNumber("Pids", r.Pids);
            }
        }
        w.WriteEndObject();
    }

    private static void Time(Utf8JsonWriter w, string name, Timestamp? t)
    {
        if (t is not null)
        {
            w.WriteString(name, t.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture));
        }
    }

    private static void Nanos(Utf8JsonWriter w, string name, Duration? d)
    {
        if (d is not null)
        {
            w.WriteNumber(name, d.Seconds * 1_000_000_000L + d.Nanos);
        }
    }

    private static void OptString(Utf8JsonWriter w, string name, string v)
    {
        if (v.Length > 0)
        {
            w.WriteString(name, v);
        }
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        var list = values.ToList();
        if (list.Count == 0)
        {
            return;
        }
        w.WriteStartArray(name);
        foreach (var v in list)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    private static void Map(Utf8JsonWriter w, string name, IDictionary<string, string> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.WriteString(k, v);
        }
        w.WriteEndObject();
    }
}
