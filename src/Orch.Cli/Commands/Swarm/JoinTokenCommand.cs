using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Swarm;

/// <summary>
/// orch swarm join-token [-q] [--rotate] worker|manager: the token (and the command to join with it) from the
/// cluster object; --rotate replaces it first, so the old one stops working for new joins.
/// </summary>
internal sealed class JoinTokenCommand : ICommand
{
    public string Name => "swarm join-token";
    public string Summary => "Manage join tokens";
    public string Usage => "[OPTIONS] (worker|manager)";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var rotate = flags.Bool(null, "rotate", "Rotate join token");
        var quiet = flags.Bool("q", "quiet", "Only display token");
        flags.Parse(args, exactly: 1);
        var role = flags.Positionals[0];
        if (role is not ("worker" or "manager"))
        {
            throw new CliException($"unknown role {role}");
        }
        var worker = role == "worker";
        if (rotate.On())
        {
            await SwarmSpecUpdate.ApplyAsync(ctx, (cluster, request) =>
            {
                request.RotateWorkerToken = worker;
                request.RotateManagerToken = !worker;
            }, ct);
            if (!quiet.On())
            {
                ctx.Out.WriteLine($"Successfully rotated {role} join token.\n");
            }
        }
        // Read again after a rotation, as docker/cli does: the update's answer is not the place tokens come from.
        var sw = await ctx.Control.InspectSwarmAsync(new InspectSwarmRequest(), cancellationToken: ct);
        var tokens = sw.RootCa?.JoinTokens ?? throw new CliException("Error response from daemon: the swarm has no join tokens");
        var token = worker ? tokens.Worker : tokens.Manager;
        if (quiet.On())
        {
            ctx.Out.WriteLine(token);
            return 0;
        }
        ctx.Out.Write(JoinInstructions.For(role, token, await ManagerAddressAsync(ctx, ct)));
        return 0;
    }

    /// <summary>Where to join: this node's control address if it is a manager, else a manager it knows.</summary>
    private static async Task<string> ManagerAddressAsync(CliContext ctx, CancellationToken ct)
    {
        var info = await ctx.Swarm.InfoAsync(new SwarmInfoRequest(), cancellationToken: ct);
        if (info.NodeAddr.Length > 0)
        {
            return info.NodeAddr;
        }
        return info.Managers.FirstOrDefault() ?? throw new RpcException(new Status(StatusCode.FailedPrecondition,
            "This node is not a swarm manager. Use \"orch swarm init\" or \"orch swarm join\" to connect this node to swarm and try again."));
    }
}
