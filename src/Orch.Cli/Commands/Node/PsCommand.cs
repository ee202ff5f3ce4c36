using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;
using Orch.Cli.Output;
using NodeObject = Orch.Api.V1.Objects.Node;

namespace Orch.Cli.Commands.Node;

/// <summary>
/// orch node ps [-q] [NODE...] (default: self): the tasks on the nodes, with docker/cli's columns: NAME is
/// SERVICE.SLOT (SERVICE.NODE-ID for a global service's task), PORTS the host-mode ports bound on the node.
/// </summary>
internal sealed class PsCommand : ICommand
{
    private const int MaxErrorLength = 30;

    public string Name => "node ps";
    public string Summary => "List tasks running on one or more nodes, defaults to current node";
    public string Usage => "[OPTIONS] [NODE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var quiet = flags.Bool("q", "quiet", "Only display task IDs");
        var noTrunc = flags.Bool(null, "no-trunc", "Do not truncate output");
        flags.Parse(args);
        var resolver = new NodeResolver(ctx);
        var tasks = new List<Api.V1.Objects.Task>();
        var errors = new List<string>();
        foreach (var arg in flags.Positionals.Count == 0 ? ["self"] : flags.Positionals)
        {
            try
            {
                var id = await resolver.ResolveAsync(arg, ct);
                tasks.AddRange((await ctx.Control.ListTasksAsync(new ListTasksRequest { NodeId = id }, cancellationToken: ct)).Tasks);
            }
            catch (NodeNotFoundException e)
            {
                errors.Add("Error response from daemon: " + e.Message);
            }
        }
        if (errors.Count > 0)
        {
            // docker/cli prints nothing of the table when a node argument is wrong.
            ctx.Err.WriteLine(string.Join('\n', errors));
            return 1;
        }
        if (quiet.On())
        {
            foreach (var t in tasks)
            {
                ctx.Out.WriteLine(t.Id);
            }
            return 0;
        }
        var hostnames = (await resolver.ListAsync(ct)).Nodes.ToDictionary(n => n.Id, n => n.Description?.Hostname ?? n.Id);
        Render(tasks, hostnames, DateTimeOffset.UtcNow, noTrunc.On()).WriteTo(ctx.Out);
        return 0;
    }

    internal static Table Render(IEnumerable<Api.V1.Objects.Task> tasks, IReadOnlyDictionary<string, string> hostnames, DateTimeOffset now, bool noTrunc)
    {
        var table = new Table("ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS");
        foreach (var t in tasks.OrderBy(t => t.ServiceId, StringComparer.Ordinal).ThenBy(t => t.Slot).ThenByDescending(t => t.Meta?.CreatedAt?.Seconds ?? 0))
        {
            var err = t.Status?.Error ?? "";
            if (!noTrunc && err.Length > MaxErrorLength)
            {
                err = err[..(MaxErrorLength - 1)] + "…";
            }
            table.Add(
                noTrunc ? t.Id : t.Id[..Math.Min(12, t.Id.Length)],
                t.Slot > 0 ? $"{t.ServiceName}.{t.Slot}" : $"{t.ServiceName}.{t.NodeId}",
                t.Spec?.Container?.Image ?? "",
                hostnames.GetValueOrDefault(t.NodeId, t.NodeId),
                StateText(t.DesiredState),
                StateText(t.Status?.State ?? TaskState.New) + " " + Since(t.Status?.Timestamp, now),
                err.Length > 0 ? $"\"{err}\"" : "",
                string.Join(',', t.PublishedPorts.Select(p => $"*:{p.PublishedPort}->{p.TargetPort}/{(p.Protocol == PortProtocol.Udp ? "udp" : "tcp")}")));
        }
        return table;
    }

    /// <summary>"Running", "Shutdown", … (the enum name after TASK_STATE_, title case).</summary>
    internal static string StateText(TaskState s) => s.ToString();

    private static string Since(Timestamp? t, DateTimeOffset now) =>
        t is null ? "" : HumanUnits.Duration(now - t.ToDateTimeOffset()) + " ago";
}
