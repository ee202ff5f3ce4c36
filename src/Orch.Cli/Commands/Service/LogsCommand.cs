using System.Globalization;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// orch service logs [-f] [--tail N] [-t] SERVICE|TASK: "web.1.&lt;task&gt;@&lt;node&gt;    | line" as docker/cli
/// prints it, stderr lines to stderr, node warnings to stderr. Uses the Control.ServiceLogs stream.
/// </summary>
internal sealed class LogsCommand : ICommand
{
    public string Name => "service logs";
    public string Summary => "Fetch the logs of a service or task";
    public string Usage => "[OPTIONS] SERVICE|TASK";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this);
        var follow = set.Bool("f", "follow", "Follow log output");
        var tail = set.String("n", "tail", "Number of lines to show from the end of the logs (default \"all\")");
        var timestamps = set.Bool("t", "timestamps", "Show timestamps");
        set.Parse(args, exactly: 1);
        var request = new ServiceLogsRequest { Id = set.Positionals[0], Follow = follow.On(), TailAll = true };
        if (tail.Value() is { } n && n != "all")
        {
            request.Tail = ServiceUnits.UInt(Name, "tail", n);
            request.TailAll = false;
        }
        var control = ctx.Control();
        // Names and hostnames for the prefix; best effort, the ids are shown if the lookups fail.
        var name = set.Positionals[0];
        var hostnames = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            name = (await control.InspectServiceAsync(new InspectServiceRequest { Id = name }, cancellationToken: ct)).Spec.Name;
            foreach (var node in (await control.ListNodesAsync(new ListNodesRequest(), cancellationToken: ct)).Nodes)
            {
                hostnames[node.Id] = node.Description?.Hostname ?? node.Id;
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
        try
        {
            await StreamAsync(ctx, control, request, name, hostnames, timestamps.On(), ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            // No manager serves the cluster log path yet; say so instead of gRPC's empty detail.
            throw new CliException("Error response from daemon: service logs are not supported by this manager yet (Control.ServiceLogs is unimplemented)", 1);
        }
        return 0;
    }

    private static async Task StreamAsync(CliContext ctx, Control.ControlClient control, ServiceLogsRequest request, string name,
        Dictionary<string, string> hostnames, bool timestamps, CancellationToken ct)
    {
        using var call = control.ServiceLogs(request, cancellationToken: ct);
        await foreach (var line in call.ResponseStream.ReadAllAsync(ct))
        {
            if (line.Warning.Length > 0)
            {
                ctx.Err.WriteLine("warning: " + line.Warning);
                continue;
            }
            var ts = timestamps && line.Timestamp is { } t
                ? t.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + " " : "";
            var prefix = $"{name}.{(line.Slot > 0 ? line.Slot.ToString(CultureInfo.InvariantCulture) : line.NodeId)}.{ServiceTables.Short(line.TaskId)}@{hostnames.GetValueOrDefault(line.NodeId, line.NodeId)}";
            (line.Stream == LogStream.Stderr ? ctx.Err : ctx.Out).WriteLine($"{ts}{prefix}    | {line.Line}");
        }
    }
}
