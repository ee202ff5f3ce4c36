using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>orch service ls [-q] [-f name=…|id=…]: ID NAME MODE REPLICAS IMAGE PORTS.</summary>
internal sealed class LsCommand : ICommand
{
    public string Name => "service ls";
    public string Summary => "List services";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this);
        var quiet = set.Bool("q", "quiet", "Only display IDs");
        var filter = set.String("f", "filter", "Filter output based on conditions provided", "filter");
        set.Parse(args, atMost: 0);
        var filters = Filters.Parse(filter.Values, "name", "id");
        var list = await ctx.Control().ListServicesAsync(new ListServicesRequest(), cancellationToken: ct);
        // Docker's name filter matches a name prefix; id filter an id prefix.
        var services = list.Services
            .Where(s => filters.Prefix("name", s.Spec.Name))
            .Where(s => filters.Prefix("id", s.Id))
            .ToList();
        if (quiet.On())
        {
            foreach (var s in services.OrderBy(s => s.Spec.Name, StringComparer.Ordinal))
            {
                ctx.Out.WriteLine(s.Id);
            }
            return 0;
        }
        ServiceTables.WriteLs(ctx.Out, services, list.RunningTasks, list.DesiredTasks);
        return 0;
    }
}
