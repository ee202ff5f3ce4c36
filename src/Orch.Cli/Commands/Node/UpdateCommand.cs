using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Node;

/// <summary>orch node update [--availability A] [--label-add K=V] [--label-rm K] [--role R] NODE: prints NODE.</summary>
internal sealed class UpdateCommand : ICommand
{
    public string Name => "node update";
    public string Summary => "Update a node";
    public string Usage => "[OPTIONS] NODE";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var availability = flags.String(null, "availability", "Availability of the node (\"active\", \"pause\", \"drain\")");
        var labelAdd = flags.String(null, "label-add", "Add or update a node label (key=value)", "list");
        var labelRm = flags.String(null, "label-rm", "Remove a node label if exists", "list");
        var role = flags.String(null, "role", "Role of the node (\"worker\", \"manager\")");
        flags.Parse(args, exactly: 1);
        var newAvailability = availability.Value() is { } a
            ? NodeText.ParseAvailability(a) ?? throw new UsageException($"invalid argument \"{a}\" for \"--availability\" flag: invalid availability: {a}", Name)
            : (Api.V1.Objects.NodeAvailability?)null;
        var newRole = role.Value() switch
        {
            null => (Api.V1.Objects.NodeRole?)null,
            "worker" => Api.V1.Objects.NodeRole.Worker,
            "manager" => Api.V1.Objects.NodeRole.Manager,
            var r => throw new UsageException($"invalid argument \"{r}\" for \"--role\" flag: invalid role: {r}", Name),
        };
        var arg = flags.Positionals[0];
        return await NodeSpecUpdate.ForEachAsync(ctx, [arg], async (resolver, _) =>
        {
            var id = await resolver.ResolveAsync(arg, ct);
            await NodeSpecUpdate.ApplyAsync(ctx, id, spec =>
            {
                if (newRole is { } nr)
                {
                    spec.Role = nr;
                }
                if (newAvailability is { } na)
                {
                    spec.Availability = na;
                }
                foreach (var kv in labelAdd.Values)
                {
                    var eq = kv.IndexOf('=', StringComparison.Ordinal);
                    spec.Labels[eq < 0 ? kv : kv[..eq]] = eq < 0 ? "" : kv[(eq + 1)..];
                }
                foreach (var k in labelRm.Values)
                {
                    // docker/cli refuses to remove a label that is not there.
                    if (!spec.Labels.Remove(k))
                    {
                        throw new CliException($"key {k} doesn't exist in node's labels");
                    }
                }
                return true;
            }, ct);
            ctx.Out.WriteLine(arg);
        }, ct);
    }
}
