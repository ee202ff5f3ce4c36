using System.Globalization;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// orch service logs [-f] [--tail N] [-t] [--no-trunc] [--raw] [--no-task-ids] SERVICE|TASK:
/// "web.1.&lt;task&gt;@&lt;node&gt;    | line" as docker/cli prints it, stderr lines to stderr, node
/// warnings to stderr (the rest of the logs still follow). Uses the Control.ServiceLogs stream.
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
        var noTrunc = set.Bool(null, "no-trunc", "Do not truncate output");
        var raw = set.Bool(null, "raw", "Do not neatly format logs");
        var noTaskIds = set.Bool(null, "no-task-ids", "Do not include task IDs in output");
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
            var format = new LineFormat(name, hostnames, timestamps.On(), noTrunc.On(), raw.On(), noTaskIds.On());
            await StreamAsync(ctx, control, request, format, ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            throw new CliException("Error response from daemon: " + e.Status.Detail, 1);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C ends `-f`, as docker's.
        }
        return 0;
    }

    private static async Task StreamAsync(CliContext ctx, Control.ControlClient control, ServiceLogsRequest request, LineFormat format,
        CancellationToken ct)
    {
        using var call = control.ServiceLogs(request, cancellationToken: ct);
        await foreach (var line in call.ResponseStream.ReadAllAsync(ct))
        {
            if (line.Warning.Length > 0)
            {
                ctx.Err.WriteLine("warning: " + line.Warning);
                continue;
            }
            (line.Stream == LogStream.Stderr ? ctx.Err : ctx.Out).WriteLine(format.Format(line));
        }
    }

    private sealed record LineFormat(string Name, Dictionary<string, string> Hostnames, bool Timestamps, bool NoTrunc, bool Raw, bool NoTaskIds)
    {
        public string Format(ServiceLogLine line)
        {
            var ts = Timestamps && line.Timestamp is { } t
                ? t.ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture) + " " : "";
            if (Raw)
            {
                return ts + line.Line;
            }
            var slot = line.Slot > 0 ? line.Slot.ToString(CultureInfo.InvariantCulture) : line.NodeId;
            var task = NoTaskIds ? "" : "." + (NoTrunc ? line.TaskId : ServiceTables.Short(line.TaskId));
            return $"{ts}{Name}.{slot}{task}@{Hostnames.GetValueOrDefault(line.NodeId, line.NodeId)}    | {line.Line}";
        }
    }
}
