using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Orch.Engine.Runtime;

/// <summary>Docker-shaped views of a container: inspect JSON and the `ps` status text.</summary>
internal static class ContainerInspector
{
    public static string Status(ContainerRecord c, DateTimeOffset now) => c.State.Status switch
    {
        "running" => "Up " + Ago(now - (c.State.StartedAt ?? now)),
        "exited" => $"Exited ({c.State.ExitCode}) {Ago(now - (c.State.FinishedAt ?? now))} ago",
        _ => "Created",
    };

    /// <summary>Docker's go-units HumanDuration.</summary>
    public static string Ago(TimeSpan d)
    {
        var s = (int)d.TotalSeconds;
        if (s < 1) return "Less than a second";
        if (s == 1) return "1 second";
        if (s < 60) return $"{s} seconds";
        var m = (int)d.TotalMinutes;
        if (m == 1) return "About a minute";
        if (m < 60) return $"{m} minutes";
        var h = (int)Math.Round(d.TotalHours);
        if (h == 1) return "About an hour";
        if (h < 48) return $"{h} hours";
        return $"{h / 24} days";
    }

    public static string Inspect(ContainerRecord c, string rootfs, string upper)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("Id", c.Id);
            w.WriteString("Created", c.Created.UtcDateTime.ToString("o", CultureInfo.InvariantCulture));
            w.WriteString("Path", c.Config.Argv.FirstOrDefault() ?? "");
            w.WriteStartArray("Args");
            foreach (var a in c.Config.Argv.Skip(1))
            {
                w.WriteStringValue(a);
            }
            w.WriteEndArray();
            w.WriteStartObject("State");
            w.WriteString("Status", c.State.Status);
            w.WriteBoolean("Running", c.State.Running);
            w.WriteBoolean("Paused", false);
            w.WriteBoolean("Restarting", false);
            w.WriteBoolean("OOMKilled", c.State.OomKilled);
            w.WriteBoolean("Dead", false);
            w.WriteNumber("Pid", c.State.Pid);
            w.WriteNumber("ExitCode", c.State.ExitCode);
            w.WriteString("Error", c.State.Error);
            w.WriteString("StartedAt", Time(c.State.StartedAt));
            w.WriteString("FinishedAt", Time(c.State.FinishedAt));
            w.WriteEndObject();
            w.WriteString("Image", c.ImageId);
            w.WriteString("Name", "/" + c.Name);
            w.WriteNumber("RestartCount", c.State.RestartCount);
            w.WriteString("Driver", "overlay2");
            w.WriteStartObject("HostConfig");
            w.WriteString("NetworkMode", c.HostConfig.NetworkMode);
            w.WriteStartObject("RestartPolicy");
            w.WriteString("Name", c.HostConfig.RestartPolicy);
            w.WriteNumber("MaximumRetryCount", c.HostConfig.MaximumRetryCount);
            w.WriteEndObject();
            w.WriteBoolean("AutoRemove", c.HostConfig.AutoRemove);
            w.WriteNumber("Memory", c.HostConfig.Memory);
            w.WriteNumber("NanoCpus", c.HostConfig.NanoCpus);
            w.WriteNumber("PidsLimit", c.HostConfig.PidsLimit);
            w.WriteBoolean("Init", c.HostConfig.Init);
            WritePorts(w, "PortBindings", c);
            w.WriteEndObject();
            w.WriteStartObject("GraphDriver");
            w.WriteString("Name", "overlay2");
            w.WriteStartObject("Data");
            w.WriteString("LowerDir", string.Join(':', c.LayerDirs.Reverse()));
            w.WriteString("UpperDir", upper);
            w.WriteString("MergedDir", rootfs);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("Mounts");
            foreach (var m in c.HostConfig.Mounts)
            {
                w.WriteStartObject();
                w.WriteString("Type", m.Type);
                if (m.Name.Length > 0)
                {
                    w.WriteString("Name", m.Name);
                }
                w.WriteString("Source", m.Source);
                w.WriteString("Destination", m.Destination);
                w.WriteBoolean("RW", !m.ReadOnly);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("Config");
            w.WriteString("Hostname", c.Config.Hostname);
            w.WriteString("User", c.Config.User);
            w.WriteBoolean("Tty", c.Config.Tty);
            w.WriteBoolean("OpenStdin", c.Config.OpenStdin);
            WriteArray(w, "Env", c.Config.Env);
            WriteArray(w, "Cmd", c.Config.Cmd);
            WriteArray(w, "Entrypoint", c.Config.Entrypoint);
            w.WriteString("Image", c.Image);
            w.WriteString("WorkingDir", c.Config.WorkingDir);
            w.WriteStartObject("Labels");
            foreach (var (k, v) in c.Config.Labels)
            {
                w.WriteString(k, v);
            }
            w.WriteEndObject();
            w.WriteString("StopSignal", c.Config.StopSignal);
            w.WriteNumber("StopTimeout", c.Config.StopTimeout);
            w.WriteEndObject();
            w.WriteStartObject("NetworkSettings");
            w.WriteString("IPAddress", c.Network?.IPAddress ?? "");
            w.WriteNumber("IPPrefixLen", c.Network?.PrefixLength ?? 0);
            w.WriteString("Gateway", c.Network?.Gateway ?? "");
            w.WriteString("MacAddress", c.Network?.MacAddress ?? "");
            WritePorts(w, "Ports", c);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WritePorts(Utf8JsonWriter w, string name, ContainerRecord c)
    {
        w.WriteStartObject(name);
        foreach (var g in c.HostConfig.Ports.GroupBy(p => $"{p.ContainerPort}/{p.Protocol}"))
        {
            w.WriteStartArray(g.Key);
            foreach (var p in g)
            {
                w.WriteStartObject();
                w.WriteString("HostIp", p.HostIp.Length > 0 ? p.HostIp : "0.0.0.0");
                w.WriteString("HostPort", p.HostPort.ToString(CultureInfo.InvariantCulture));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    private static string Time(DateTimeOffset? t) =>
        t is { } v ? v.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) : "0001-01-01T00:00:00Z";
}
