using System.Text.Json;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Swarm;

/// <summary>
/// orch swarm inspect: the cluster object shaped like Docker's GET /swarm. Join tokens are left out on purpose
/// (they are secrets; `swarm join-token` shows them), as is everything of Docker's spec that orch has no knob for.
/// </summary>
internal sealed class InspectCommand : ICommand
{
    public string Name => "swarm inspect";
    public string Summary => "Display detailed information on the swarm";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Parse(args, atMost: 0);
        var cluster = await ctx.Control.InspectSwarmAsync(new InspectSwarmRequest(), cancellationToken: ct);
        ctx.Out.WriteLine(InspectJson.Array([cluster], Write));
        return 0;
    }

    internal static void Write(Utf8JsonWriter w, Cluster c)
    {
        var spec = c.Spec ?? new ClusterSpec();
        w.WriteStartObject();
        w.WriteString("ID", c.Id);
        w.WriteStartObject("Version");
        w.WriteNumber("Index", c.Meta?.Version ?? 0);
        w.WriteEndObject();
        w.WriteString("CreatedAt", InspectJson.Time(c.Meta?.CreatedAt));
        w.WriteString("UpdatedAt", InspectJson.Time(c.Meta?.UpdatedAt));
        w.WriteStartObject("Spec");
        w.WriteString("Name", spec.Name.Length > 0 ? spec.Name : "default");
        InspectJson.Labels(w, "Labels", spec.Labels);
        w.WriteStartObject("Orchestration");
        w.WriteNumber("TaskHistoryRetentionLimit", spec.TaskHistoryLimit);
        w.WriteEndObject();
        w.WriteStartObject("Dispatcher");
        w.WriteNumber("HeartbeatPeriod", GoDuration.Nanos(spec.DispatcherHeartbeatPeriod));
        w.WriteEndObject();
        w.WriteStartObject("CAConfig");
        w.WriteNumber("NodeCertExpiry", GoDuration.Nanos(spec.NodeCertExpiry));
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("TLSInfo");
        w.WriteString("TrustRoot", c.RootCa?.CaCertPem ?? "");
        w.WriteString("CertDigest", c.RootCa?.CaCertDigest ?? "");
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
