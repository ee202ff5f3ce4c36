using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Node;

/// <summary>orch node rm [-f] NODE...: prints each removed NODE; errors after, exit 1 if any.</summary>
internal sealed class RmCommand : ICommand
{
    public string Name => "node rm";
    public string Summary => "Remove one or more nodes from the swarm";
    public string Usage => "[OPTIONS] NODE [NODE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var force = flags.Bool("f", "force", "Force remove a node from the swarm");
        flags.Parse(args, atLeast: 1);
        return await NodeSpecUpdate.ForEachAsync(ctx, flags.Positionals, async (resolver, arg) =>
        {
            var id = await resolver.ResolveAsync(arg, ct);
            await ctx.Control.RemoveNodeAsync(new RemoveNodeRequest { Id = id, Force = force.On() }, cancellationToken: ct);
            ctx.Out.WriteLine(arg);
        }, ct);
    }
}
