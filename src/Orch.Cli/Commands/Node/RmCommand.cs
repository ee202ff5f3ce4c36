using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Node;

/// <summary>orch node rm [-f] NODE...: prints each removed NODE; errors after, exit 1 if any.</summary>
internal sealed class RmCommand : ICommand
{
    public string Name => "node rm";
    public string Summary => "Remove one or more nodes from the swarm";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var force = flags.Bool("f", "force", "Force remove a node from the swarm");
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (UsageText.Print(ctx, flags, help, "node rm [OPTIONS] NODE [NODE...]", Summary))
        {
            return 0;
        }
        if (flags.Positionals.Count == 0)
        {
            throw new UsageException($"\"orch {Name}\" requires at least 1 argument.", Name);
        }
        return await NodeSpecUpdate.ForEachAsync(ctx, flags.Positionals, async (resolver, arg) =>
        {
            var id = await resolver.ResolveAsync(arg, ct);
            await ctx.Control.RemoveNodeAsync(new RemoveNodeRequest { Id = id, Force = force.On() }, cancellationToken: ct);
            ctx.Out.WriteLine(arg);
        }, ct);
    }
}
