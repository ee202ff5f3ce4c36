using Orch.Api.V1;
using NodeObject = Orch.Api.V1.Objects.Node;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Node;

/// <summary>
/// Turns a NODE argument into a node id as swarmkit does: "self", a full id, a unique hostname, or a unique id
/// prefix. The node list is read once per command.
/// </summary>
internal sealed class NodeResolver(CliContext ctx)
{
    private ListNodesResponse? list;

    public async Task<ListNodesResponse> ListAsync(CancellationToken ct) =>
        list ??= await ctx.Control.ListNodesAsync(new ListNodesRequest(), cancellationToken: ct);

    /// <summary>The node's id; <see cref="NodeNotFoundException"/> when nothing (or more than one node) matches.</summary>
    public async Task<string> ResolveAsync(string arg, CancellationToken ct)
    {
        if (arg == "self")
        {
            var info = await ctx.Swarm.InfoAsync(new SwarmInfoRequest(), cancellationToken: ct);
            return info.NodeId.Length > 0 ? info.NodeId
                : throw new CliException("Error response from daemon: This node is not part of a swarm");
        }
        var nodes = (await ListAsync(ct)).Nodes;
        return Match(nodes, arg);
    }

    internal static string Match(IReadOnlyCollection<NodeObject> nodes, string arg)
    {
        if (nodes.FirstOrDefault(n => n.Id == arg) is { } exact)
        {
            return exact.Id;
        }
        var byName = nodes.Where(n => n.Description?.Hostname == arg).ToList();
        if (byName.Count == 1)
        {
            return byName[0].Id;
        }
        var byPrefix = nodes.Where(n => n.Id.StartsWith(arg, StringComparison.Ordinal)).ToList();
        if (byName.Count > 1 || byPrefix.Count > 1)
        {
            throw new NodeNotFoundException(arg, $"node {arg} is ambiguous ({Math.Max(byName.Count, byPrefix.Count)} matches found)");
        }
        return byPrefix.Count == 1 ? byPrefix[0].Id : throw new NodeNotFoundException(arg, $"node {arg} not found");
    }
}
