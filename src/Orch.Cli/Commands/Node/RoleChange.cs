using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Node;

/// <summary>node promote / node demote: set spec.role on each NODE, with docker/cli's messages.</summary>
internal static class RoleChange
{
    public static Task<int> RunAsync(CliContext ctx, ICommand command, IReadOnlyList<string> args, NodeRole target, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, command);
        flags.Parse(args, atLeast: 1);
        return NodeSpecUpdate.ForEachAsync(ctx, flags.Positionals, async (resolver, arg) =>
        {
            var id = await resolver.ResolveAsync(arg, ct);
            var changed = await NodeSpecUpdate.ApplyAsync(ctx, id, spec =>
            {
                if (spec.Role == target)
                {
                    return false;
                }
                spec.Role = target;
                return true;
            }, ct);
            ctx.Out.WriteLine((changed, target) switch
            {
                (false, NodeRole.Manager) => $"Node {arg} is already a manager.",
                (false, _) => $"Node {arg} is already a worker.",
                (true, NodeRole.Manager) => $"Node {arg} promoted to a manager in the swarm.",
                (true, _) => $"Manager {arg} demoted in the swarm.",
            });
        }, ct);
    }
}
