using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Commands.Volume;
using Orch.Cli.Output;
using NodeObject = Orch.Api.V1.Objects.Node;

namespace Orch.Cli.Commands.Node;

/// <summary>orch node ls [-q]: Docker's table, nodes in natural hostname order, "*" after this node's id.</summary>
internal sealed class LsCommand : ICommand
{
    public string Name => "node ls";
    public string Summary => "List nodes in the swarm";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var quiet = flags.Bool("q", "quiet", "Only display IDs");
        flags.Parse(args, atMost: 0);
        var list = await ctx.Control.ListNodesAsync(new ListNodesRequest(), cancellationToken: ct);
        var self = (await ctx.Swarm.InfoAsync(new SwarmInfoRequest(), cancellationToken: ct)).NodeId;
        var nodes = list.Nodes.ToList();
        nodes.Sort((a, b) => NaturalOrder.Compare(a.Description?.Hostname ?? "", b.Description?.Hostname ?? ""));
        if (quiet.On())
        {
            foreach (var n in nodes)
            {
                ctx.Out.WriteLine(n.Id);
            }
            return 0;
        }
        Render(nodes, ManagerView.From(list), self).WriteTo(ctx.Out);
        return 0;
    }

    internal static Table Render(IEnumerable<NodeObject> nodes, ManagerView managers, string self)
    {
        var table = new Table("ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION");
        foreach (var n in nodes)
        {
            // docker/cli's template: "{{.ID}} {{if .Self}}*{{else}} {{ end }}".
            table.Add(
                n.Id + (n.Id == self ? " *" : "  "),
                n.Description?.Hostname ?? "",
                NodeText.Title(NodeText.State(n.Status?.State ?? default)),
                NodeText.Title(NodeText.Availability(n.Spec?.Availability ?? default)),
                managers.Column(n),
                n.Description?.EngineVersion ?? "");
        }
        return table;
    }
}
