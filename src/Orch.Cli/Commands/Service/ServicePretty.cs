using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Service;

/// <summary><c>service inspect --pretty</c>: docker/cli's human template (formatter/service.go), tab stops as spaces.</summary>
internal static class ServicePretty
{
    public static string Render(Api.V1.Objects.Service s, DateTimeOffset now, Api.V1.LoadBalancerStats? balancer = null)
    {
        var lines = new List<string> { "", $"ID:             {s.Id}", $"Name:           {s.Spec.Name}" };
        if (s.Spec.Labels.Count > 0)
        {
            lines.Add("Labels:");
            lines.AddRange(s.Spec.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => " " + kv.Key + (kv.Value.Length > 0 ? "=" + kv.Value : "")));
        }
        if (s.Spec.Mode == ServiceMode.Global)
        {
            lines.Add("Service Mode:   Global");
        }
        else
        {
            lines.Add("Service Mode:   Replicated");
            lines.Add($" Replicas:      {(s.Spec.HasReplicas ? s.Spec.Replicas : 1)}");
        }
        if (s.UpdateStatus is { State: not UpdateState.Unknown } u)
        {
            lines.Add("UpdateStatus:");
            lines.Add($" State:         {ServiceJson.UpdateState(u.State)}");
            if (u.StartedAt is { } started)
            {
                lines.Add($" Started:       {Ago(started, now)}");
            }
            if (u.State is UpdateState.Completed or UpdateState.RollbackCompleted && u.CompletedAt is { } done)
            {
                lines.Add($" Completed:     {Ago(done, now)}");
            }
            lines.Add($" Message:       {u.Message}");
        }
        var t = s.Spec.TaskTemplate ?? new TaskSpec();
        lines.Add("Placement:");
        if (t.Placement is { } p)
        {
            if (p.Constraints.Count > 0)
            {
                lines.Add($" Constraints:   [{string.Join(' ', p.Constraints)}]");
            }
            if (p.Preferences.Count > 0)
            {
                lines.Add($" Preferences:   [{string.Join(' ', p.Preferences.Select(x => "{{" + x.SpreadDescriptor + "}}"))}]");
            }
            if (p.MaxReplicas > 0)
            {
                lines.Add($" Max Replicas Per Node:   {p.MaxReplicas}");
            }
        }
        AddUpdate(lines, "UpdateConfig", s.Spec.UpdateConfig, "Update order:     ");
        AddUpdate(lines, "RollbackConfig", s.Spec.RollbackConfig, "Rollback order:   ");
        var c = t.Container ?? new ContainerSpec();
        lines.Add("ContainerSpec:");
        lines.Add($" Image:         {c.Image}{(c.ImageDigest.Length > 0 && !c.Image.Contains('@', StringComparison.Ordinal) ? "@" + c.ImageDigest : "")}");
        if (c.Args.Count > 0)
        {
            lines.Add($" Args:          {string.Join(' ', c.Args)} ");
        }
        if (c.Env.Count > 0)
        {
            lines.Add($" Env:           {string.Join(' ', c.Env)} ");
        }
        if (c.Workdir.Length > 0)
        {
            lines.Add($" Dir:           {c.Workdir}");
        }
        if (c.User.Length > 0)
        {
            lines.Add($" User: {c.User}");
        }
        if (c.StopGracePeriod is { } grace)
        {
            lines.Add($" StopGracePeriod: {ServiceUnits.Format(grace.ToTimeSpan())}");
        }
        if (c.Mounts.Count > 0)
        {
            lines.Add("Mounts:");
            foreach (var m in c.Mounts)
            {
                lines.Add($" Target:        {m.Target}");
                lines.Add($"  Source:       {m.Source}");
                lines.Add($"  ReadOnly:     {(m.ReadOnly ? "true" : "false")}");
                lines.Add($"  Type:         {m.Type.ToString().ToLowerInvariant()}");
            }
        }
        AddResources(lines, t.Resources);
        lines.Add("Endpoint Mode:  vip");
        if (s.Spec.Endpoint is { Ports.Count: > 0 } e)
        {
            lines.Add("Ports:");
            foreach (var port in e.Ports)
            {
                lines.Add($" PublishedPort = {port.PublishedPort}");
                lines.Add($"  Protocol = {(port.Protocol == PortProtocol.Udp ? "udp" : "tcp")}");
                lines.Add($"  TargetPort = {port.TargetPort}");
                lines.Add($"  PublishMode = {(port.PublishMode == PublishMode.Host ? "host" : "ingress")}");
                if (port.ProxyProtocol.Length > 0)
                {
                    lines.Add($"  ProxyProtocol = {port.ProxyProtocol}");
                }
            }
        }
        if (balancer is not null)
        {
            LoadBalancerView.AddPretty(lines, balancer);
        }
        return string.Join('\n', lines);
    }

    private static void AddUpdate(List<string> lines, string title, UpdateConfig? u, string orderLabel)
    {
        if (u is null)
        {
            return;
        }
        lines.Add(title + ":");
        lines.Add($" Parallelism:   {(u.HasParallelism ? u.Parallelism : 1)}");
        if (u.Delay is { } d && d.ToTimeSpan() > TimeSpan.Zero)
        {
            lines.Add($" Delay:         {ServiceUnits.Format(d.ToTimeSpan())}");
        }
        lines.Add($" On failure:    {u.FailureAction switch { UpdateFailureAction.Continue => "continue", UpdateFailureAction.Rollback => "rollback", _ => "pause" }}");
        if (u.Monitor is { } m)
        {
            lines.Add($" Monitoring Period: {ServiceUnits.Format(m.ToTimeSpan())}");
        }
        lines.Add($" Max failure ratio: {u.MaxFailureRatio.ToString(CultureInfo.InvariantCulture)}");
        lines.Add($" {orderLabel} {(u.Order == UpdateOrder.StartFirst ? "start-first" : "stop-first")}");
    }

    private static void AddResources(List<string> lines, ResourceRequirements? r)
    {
        static bool Any(Api.V1.Objects.Resources? x) => x is not null && (x.NanoCpus != 0 || x.MemoryBytes != 0 || x.Pids != 0);
        if (r is null || (!Any(r.Reservations) && !Any(r.Limits)))
        {
            return;
        }
        lines.Add("Resources:");
        foreach (var (title, x) in new[] { ("Reservations", r.Reservations), ("Limits", r.Limits) })
        {
            if (!Any(x))
            {
                continue;
            }
            lines.Add($" {title}:");
            if (x!.NanoCpus != 0)
            {
                lines.Add($"  CPU:          {(x.NanoCpus / 1e9).ToString(CultureInfo.InvariantCulture)}");
            }
            if (x.MemoryBytes != 0)
            {
                lines.Add($"  Memory:       {BinarySize(x.MemoryBytes)}");
            }
            if (x.Pids != 0)
            {
                lines.Add($"  PIDs:         {x.Pids}");
            }
        }
    }

    /// <summary>go-units BytesSize: "512MiB", "1GiB".</summary>
    public static string BinarySize(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double v = bytes;
        var i = 0;
        while (v >= 1024 && i < units.Length - 1)
        {
            v /= 1024;
            i++;
        }
        return v.ToString("0.###", CultureInfo.InvariantCulture) + units[i];
    }

    private static string Ago(Timestamp t, DateTimeOffset now) =>
        HumanUnits.Duration(now - t.ToDateTimeOffset()) + " ago";
}
