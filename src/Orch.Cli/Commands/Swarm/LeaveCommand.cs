using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Swarm;

/// <summary>orch swarm leave [--force]: the node leaves its swarm (a manager only with --force; the daemon says why).</summary>
internal sealed class LeaveCommand : ICommand
{
    public string Name => "swarm leave";
    public string Summary => "Leave the swarm";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var force = flags.Bool("f", "force", "Force this node to leave the swarm, ignoring warnings");
        flags.Parse(args, atMost: 0);
        await ctx.Swarm.LeaveAsync(new SwarmLeaveRequest { Force = force.On() }, cancellationToken: ct);
        ctx.Out.WriteLine("Node left the swarm.");
        return 0;
    }
}
