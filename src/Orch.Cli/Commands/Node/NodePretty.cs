using System.Globalization;
using System.Text;
using Orch.Cli.Output;
using NodeObject = Orch.Api.V1.Objects.Node;

namespace Orch.Cli.Commands.Node;

/// <summary>docker/cli's `node inspect --pretty` template (tabs included), plus the certificate's expiry under TLS Info.</summary>
internal static class NodePretty
{
    public static string Render(NodeObject n, ManagerView managers)
    {
        var sb = new StringBuilder();
        sb.Append("ID:\t\t\t").Append(n.Id).Append('\n');
        if (n.Spec?.Labels is { Count: > 0 } labels)
        {
            sb.Append("Labels:\n");
            foreach (var (k, v) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                sb.Append(" - ").Append(k).Append(v.Length > 0 ? "=" + v : "").Append('\n');
            }
        }
        sb.Append("Hostname:              \t").Append(n.Description?.Hostname).Append('\n');
        sb.Append("Joined at:             \t").Append(InspectJson.GoTime(n.Meta?.CreatedAt)).Append('\n');
        sb.Append("Status:\n");
        sb.Append(" State:\t\t\t").Append(NodeText.Title(NodeText.State(n.Status?.State ?? default))).Append('\n');
        if (n.Status?.Message is { Length: > 0 } message)
        {
            sb.Append(" Message:              \t").Append(message).Append('\n');
        }
        sb.Append(" Availability:         \t").Append(NodeText.Title(NodeText.Availability(n.Spec?.Availability ?? default))).Append('\n');
        if (n.Status?.Addr is { Length: > 0 } addr)
        {
            sb.Append(" Address:\t\t").Append(addr).Append('\n');
        }
        if (managers.IsManager(n))
        {
            sb.Append("Manager Status:\n");
            sb.Append(" Address:\t\t").Append(n.ManagerStatus.ApiAddr).Append('\n');
            sb.Append(" Raft Status:\t\t").Append(NodeText.Title(managers.Reachability(n))).Append('\n');
            sb.Append(" Leader:\t\t").Append(managers.IsLeader(n) ? "Yes" : "No").Append('\n');
        }
        sb.Append("Platform:\n");
        sb.Append(" Operating System:\t").Append(n.Description?.Os).Append('\n');
        sb.Append(" Architecture:\t\t").Append(n.Description?.Architecture).Append('\n');
        sb.Append("Resources:\n");
        sb.Append(" CPUs:\t\t\t").Append(((n.Description?.Resources?.NanoCpus ?? 0) / 1_000_000_000).ToString(CultureInfo.InvariantCulture)).Append('\n');
        sb.Append(" Memory:\t\t").Append(BytesSize(n.Description?.Resources?.MemoryBytes ?? 0)).Append('\n');
        sb.Append("Engine Version:\t\t").Append(n.Description?.EngineVersion).Append('\n');
        sb.Append("TLS Info:\n");
        sb.Append(" Certificate Expiry:\t").Append(InspectJson.GoTime(n.Status?.CertExpiry));
        return sb.ToString();
    }

    /// <summary>go-units BytesSize: binary units, four significant digits ("1.954GiB").</summary>
    internal static string BytesSize(double size)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var i = 0;
        while (size >= 1024 && i < units.Length - 1)
        {
            size /= 1024;
            i++;
        }
        return size.ToString("G4", CultureInfo.InvariantCulture) + units[i];
    }
}
