using System.Globalization;
using Orch.Api.V1.Objects;
using Orch.Cli.Output;
using OTask = Orch.Api.V1.Objects.Task;

namespace Orch.Cli.Commands.Service;

/// <summary>The <c>service ls</c> and <c>service ps</c> tables as docker/cli lays them out (pure; given the data and "now").</summary>
internal static class ServiceTables
{
    private const int MaxErrLength = 30; // docker/cli formatter/task.go

    public static void WriteLs(TextWriter w, IReadOnlyList<Api.V1.Objects.Service> services,
        IReadOnlyDictionary<string, ulong> running, IReadOnlyDictionary<string, ulong> desired)
    {
        var table = new Table("ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS");
        foreach (var s in services.OrderBy(s => s.Spec.Name, StringComparer.Ordinal))
        {
            var global = s.Spec.Mode == ServiceMode.Global;
            var want = global ? desired.GetValueOrDefault(s.Id) : s.Spec.HasReplicas ? s.Spec.Replicas : 1;
            var replicas = $"{running.GetValueOrDefault(s.Id)}/{want}";
            if (s.Spec.TaskTemplate?.Placement?.MaxReplicas is > 0 and var max)
            {
                replicas += $" (max {max} per node)";
            }
            var ports = string.Join(", ", (s.Spec.Endpoint?.Ports ?? []).Select(Port));
            table.Add(Short(s.Id), s.Spec.Name, global ? "global" : "replicated", replicas, StripDigest(s.Spec.TaskTemplate?.Container?.Image ?? ""), ports);
        }
        table.WriteTo(w);
    }

    /// <summary>"*:8080->80/tcp" (a port the manager chooses shows as its number once assigned, else "*:0").</summary>
    public static string Port(PortConfig p) =>
        $"*:{p.PublishedPort}->{p.TargetPort}/{(p.Protocol == PortProtocol.Udp ? "udp" : "tcp")}";

    /// <summary>
    /// Tasks sorted as docker/cli sorts them (service name, slot or node, newest first); rows after the
    /// first of a slot are history, named " \_ web.1".
    /// </summary>
    public static void WritePs(TextWriter w, IReadOnlyList<OTask> tasks, IReadOnlyDictionary<string, string> hostnames,
        bool noTrunc, DateTimeOffset now)
    {
        var table = new Table("ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS");
        string? prev = null;
        foreach (var t in Sort(tasks))
        {
            var name = TaskName(t);
            var shown = name == prev ? " \\_ " + name : name;
            prev = name;
            var image = t.Spec?.Container?.Image ?? "";
            var error = t.Status?.Error ?? "";
            if (!noTrunc && error.Length > MaxErrLength)
            {
                error = error[..(MaxErrLength - 1)] + "…";
            }
            table.Add(
                noTrunc ? t.Id : Short(t.Id),
                shown,
                noTrunc ? image : StripDigest(image),
                hostnames.TryGetValue(t.NodeId, out var host) ? host : t.NodeId,
                Title(t.DesiredState),
                CurrentState(t, now),
                error.Length > 0 ? $"\"{error}\"" : "",
                // Docker lists only host-mode ports here; an ingress task's node port is the balancer's
                // business (it shows in `orch ps` on the node and in the service's load-balancer stats).
                string.Join(", ", t.PublishedPorts.Where(p => p.PublishMode == PublishMode.Host).Select(Port)));
        }
        table.WriteTo(w);
    }

    public static IEnumerable<OTask> Sort(IEnumerable<OTask> tasks) => tasks
        .OrderBy(t => t.ServiceName, StringComparer.Ordinal)
        .ThenBy(t => t.Slot)
        .ThenBy(t => t.Slot == 0 ? t.NodeId : "", StringComparer.Ordinal)
        .ThenByDescending(t => t.Meta?.CreatedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue);

    /// <summary>"web.2" (replicated) or "web.&lt;node id&gt;" (global).</summary>
    public static string TaskName(OTask t) =>
        t.Slot > 0 ? $"{t.ServiceName}.{t.Slot.ToString(CultureInfo.InvariantCulture)}" : $"{t.ServiceName}.{t.NodeId}";

    /// <summary>"Running 5 seconds ago" (docker/cli: state title-cased + units.HumanDuration + " ago").</summary>
    public static string CurrentState(OTask t, DateTimeOffset now)
    {
        var state = Title(t.Status?.State ?? TaskState.New);
        if (t.Status?.Timestamp is not { } ts)
        {
            return state;
        }
        var ago = now - ts.ToDateTimeOffset();
        return $"{state} {HumanUnits.Duration(ago < TimeSpan.Zero ? TimeSpan.Zero : ago)} ago";
    }

    public static string Title(TaskState s)
    {
        var name = s.ToString();
        return name[..1] + name[1..].ToLowerInvariant();
    }

    public static string Short(string id) => id.Length > 12 ? id[..12] : id;

    /// <summary>docker/cli shows "app:v1" for "app:v1@sha256:…" unless --no-trunc.</summary>
    public static string StripDigest(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        return at > 0 ? image[..at] : image;
    }
}
