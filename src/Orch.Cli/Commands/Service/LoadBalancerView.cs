using System.Text.Json;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// The local node's load balancer counters in `service inspect` (orch's own addition; Docker shows
/// none): JSON under Endpoint.LoadBalancer, and a "Load Balancer" block in --pretty. Counters are
/// the node's that the CLI talks to: each node balances the connections it receives.
/// </summary>
internal static class LoadBalancerView
{
    /// <summary>This node's counters for the service, or null when the node has none (or its orchd does not serve them).</summary>
    public static async Task<LoadBalancerStats?> FetchAsync(CliContext ctx, string serviceId, CancellationToken ct)
    {
        try
        {
            var stats = await new Orch.Api.V1.LoadBalancer.LoadBalancerClient(ctx.Channel)
                .StatsAsync(new LoadBalancerStatsRequest { ServiceId = serviceId }, cancellationToken: ct);
            return stats.Ports.Count > 0 ? stats : null;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            return null;
        }
    }

    public static void WriteJson(Utf8JsonWriter w, LoadBalancerStats stats)
    {
        w.WriteStartArray("LoadBalancer");
        foreach (var p in stats.Ports)
        {
            w.WriteStartObject();
            w.WriteString("Protocol", Protocol(p.Protocol));
            w.WriteNumber("PublishedPort", p.PublishedPort);
            w.WriteBoolean("Listening", p.Listening);
            if (p.Error.Length > 0)
            {
                w.WriteString("Error", p.Error);
            }
            w.WriteStartArray("Backends");
            foreach (var b in p.Backends)
            {
                w.WriteStartObject();
                w.WriteString("TaskID", b.TaskId);
                w.WriteString("NodeID", b.NodeId);
                w.WriteString("Address", b.Address);
                w.WriteBoolean("Healthy", b.Healthy);
                w.WriteBoolean("Draining", b.Draining);
                w.WriteNumber("Connections", b.Connections);
                w.WriteNumber("ActiveConnections", b.Active);
                w.WriteNumber("ConnectFailures", b.Failures);
                w.WriteNumber("BytesIn", b.BytesIn);
                w.WriteNumber("BytesOut", b.BytesOut);
                w.WriteNumber("KernelConnections", b.KernelConnections);
                w.WriteBoolean("KernelPath", b.KernelPath);
                w.WriteNumber("ForwardedPackets", b.ForwardedPackets);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void AddPretty(List<string> lines, LoadBalancerStats stats)
    {
        lines.Add("Load Balancer (this node):");
        foreach (var p in stats.Ports)
        {
            lines.Add($" {p.PublishedPort}/{Protocol(p.Protocol)}{(p.Listening ? "" : "  NOT LISTENING: " + p.Error)}");
            foreach (var b in p.Backends)
            {
                var state = b.Draining ? "draining" : b.Healthy ? "healthy" : "unhealthy";
                lines.Add($"  {b.TaskId}  {b.Address,-21}  {state,-9}  connections={b.Connections}{(b.KernelPath || b.KernelConnections > 0 ? $" (kernel {b.KernelConnections})" : "")} active={b.Active} failures={b.Failures} bytes_in={b.BytesIn} bytes_out={b.BytesOut}{(b.ForwardedPackets > 0 ? $" fast_path_packets={b.ForwardedPackets}" : "")}");
            }
        }
    }

    private static string Protocol(PortProtocol p) => p == PortProtocol.Udp ? "udp" : "tcp";
}
