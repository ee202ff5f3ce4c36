using System.Text.Json;
using Orch.Cli.Output;
using NodeObject = Orch.Api.V1.Objects.Node;

namespace Orch.Cli.Commands.Node;

/// <summary>A node as Docker's GET /nodes/{id} shapes it; TLSInfo.CertExpiry is orch's addition (Docker has no such field).</summary>
internal static class NodeJson
{
    public static void Write(Utf8JsonWriter w, NodeObject n, ManagerView managers)
    {
        w.WriteStartObject();
        w.WriteString("ID", n.Id);
        w.WriteStartObject("Version");
        w.WriteNumber("Index", n.Meta?.Version ?? 0);
        w.WriteEndObject();
        w.WriteString("CreatedAt", InspectJson.Time(n.Meta?.CreatedAt));
        w.WriteString("UpdatedAt", InspectJson.Time(n.Meta?.UpdatedAt));

        w.WriteStartObject("Spec");
        InspectJson.Labels(w, "Labels", n.Spec?.Labels ?? []);
        w.WriteString("Role", NodeText.Role(n.Spec?.Role ?? default));
        w.WriteString("Availability", NodeText.Availability(n.Spec?.Availability ?? default));
        w.WriteEndObject();

        var d = n.Description;
        w.WriteStartObject("Description");
        w.WriteString("Hostname", d?.Hostname ?? "");
        w.WriteStartObject("Platform");
        w.WriteString("Architecture", d?.Architecture ?? "");
        w.WriteString("OS", d?.Os ?? "");
        w.WriteEndObject();
        w.WriteStartObject("Resources");
        w.WriteNumber("NanoCPUs", d?.Resources?.NanoCpus ?? 0);
        w.WriteNumber("MemoryBytes", d?.Resources?.MemoryBytes ?? 0);
        w.WriteEndObject();
        w.WriteStartObject("Engine");
        w.WriteString("EngineVersion", d?.EngineVersion ?? "");
        w.WriteEndObject();
        w.WriteStartObject("TLSInfo");
        w.WriteString("CertExpiry", InspectJson.Time(n.Status?.CertExpiry));
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("Status");
        w.WriteString("State", NodeText.State(n.Status?.State ?? default));
        if (n.Status?.Message is { Length: > 0 } message)
        {
            w.WriteString("Message", message);
        }
        w.WriteString("Addr", n.Status?.Addr ?? "");
        w.WriteEndObject();

        if (managers.IsManager(n))
        {
            w.WriteStartObject("ManagerStatus");
            if (managers.IsLeader(n))
            {
                w.WriteBoolean("Leader", true);
            }
            w.WriteString("Reachability", managers.Reachability(n));
            w.WriteString("Addr", n.ManagerStatus.ApiAddr);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
