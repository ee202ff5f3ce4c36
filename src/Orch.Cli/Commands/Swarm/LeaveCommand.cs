using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Swarm;

/// <summary>orch swarm leave [--force]: the node leaves its swarm (a manager only with --force; the daemon says why).</summary>
internal sealed class LeaveCommand : ICommand
{
    public string Name => "swarm leave";
    public string Summary => "Leave the swarm";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var force = flags.Bool("f", "force", "Force this node to leave the swarm, ignoring warnings");
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (UsageText.Print(ctx, flags, help, "swarm leave [OPTIONS]", Summary))
        {
            return 0;
        }
        if (flags.Positionals.Count > 0)
        {
            throw new UsageException($"\"orch {Name}\" accepts no arguments.", Name);
        }
        await ctx.Swarm.LeaveAsync(new SwarmLeaveRequest { Force = force.On() }, cancellationToken: ct);
        ctx.Out.WriteLine("Node left the swarm.");
        return 0;
    }
}
