using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// orch service ps [--no-trunc] [-q] [-f desired-state=…|name=…|node=…|id=…] SERVICE...: every task with its
/// history, node hostnames from ListNodes.
/// </summary>
internal sealed class PsCommand : ICommand
{
    public string Name => "service ps";
    public string Summary => "List the tasks of one or more services";
    public string Usage => "[OPTIONS] SERVICE [SERVICE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this);
        var noTrunc = set.Bool(null, "no-trunc", "Do not truncate output");
        var quiet = set.Bool("q", "quiet", "Only display task IDs");
        var filter = set.String("f", "filter", "Filter output based on conditions provided", "filter");
        set.Parse(args, atLeast: 1);
        var control = ctx.Control();
        var filters = Filters.Parse(filter.Values, "desired-state", "name", "node", "id");
        var desired = filters["desired-state"].Select(v => v switch
        {
            "running" => TaskState.Running,
            "shutdown" => TaskState.Shutdown,
            "accepted" => TaskState.Accepted,
            _ => throw new CliException($"Error response from daemon: invalid filter 'desired-state={v}'", 1),
        }).ToList();
        var nodes = filters["node"];
        var tasks = new List<Api.V1.Objects.Task>();
        var failed = false;
        foreach (var arg in set.Positionals)
        {
            try
            {
                var s = await control.InspectServiceAsync(new InspectServiceRequest { Id = arg }, cancellationToken: ct);
                var req = new ListTasksRequest { ServiceId = s.Id };
                req.DesiredStates.AddRange(desired);
                tasks.AddRange((await control.ListTasksAsync(req, cancellationToken: ct)).Tasks);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                ctx.Err.WriteLine($"no such service: {arg}");
                failed = true;
            }
        }
        var hostnames = (await control.ListNodesAsync(new ListNodesRequest(), cancellationToken: ct)).Nodes
            .ToDictionary(n => n.Id, n => n.Description?.Hostname is { Length: > 0 } h ? h : n.Id, StringComparer.Ordinal);
        tasks = tasks
            .Where(t => filters.Prefix("name", ServiceTables.TaskName(t)))
            .Where(t => nodes.Count == 0 || nodes.Any(n => t.NodeId.StartsWith(n, StringComparison.Ordinal) || hostnames.GetValueOrDefault(t.NodeId) == n))
            .Where(t => filters.Prefix("id", t.Id))
            .ToList();
        if (quiet.On())
        {
            foreach (var t in ServiceTables.Sort(tasks))
            {
                ctx.Out.WriteLine(noTrunc.On() ? t.Id : ServiceTables.Short(t.Id));
            }
        }
        else if (!failed || tasks.Count > 0)
        {
            ServiceTables.WritePs(ctx.Out, tasks, hostnames, noTrunc.On(), DateTimeOffset.UtcNow);
        }
        return failed ? 1 : 0;
    }
}
