using System.Globalization;
using System.Text;
using Orch.Api.V1;
using Orch.Api.V1.Objects;

namespace Orch.LoadBalancer;

/// <summary>The balancer's counters in Prometheus' text exposition format (version 0.0.4).</summary>
public static class PrometheusText
{
    private static readonly (string Name, string Type, string Help, Func<BackendStats, ulong> Value)[] Metrics =
    [
        ("orch_lb_backend_connections_total", "counter", "Connections forwarded to the task by this node.", b => b.Connections),
        ("orch_lb_backend_active_connections", "gauge", "Open connections to the task through this node.", b => b.Active),
        ("orch_lb_backend_connect_failures_total", "counter", "Connects to the task refused or timed out.", b => b.Failures),
        ("orch_lb_backend_received_bytes_total", "counter", "Bytes from clients to the task.", b => b.BytesIn),
        ("orch_lb_backend_sent_bytes_total", "counter", "Bytes from the task to clients.", b => b.BytesOut),
        ("orch_lb_backend_forwarded_packets_total", "counter", "Packets to and from the task the forwarding fast path carried past the IP stack.", b => b.ForwardedPackets),
    ];

    public static string Format(LoadBalancerStats stats)
    {
        var sb = new StringBuilder();
        foreach (var (name, type, help, value) in Metrics)
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var p in stats.Ports)
            {
                foreach (var b in p.Backends)
                {
                    sb.Append(name).Append("{service=\"").Append(Escape(p.ServiceName))
                      .Append("\",service_id=\"").Append(p.ServiceId)
                      .Append("\",port=\"").Append(p.PublishedPort.ToString(CultureInfo.InvariantCulture))
                      .Append("\",protocol=\"").Append(p.Protocol == PortProtocol.Udp ? "udp" : "tcp")
                      .Append("\",task_id=\"").Append(b.TaskId)
                      .Append("\",node_id=\"").Append(b.NodeId)
                      .Append("\"} ").Append(value(b).ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }
        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
