using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Swarm;

/// <summary>orch swarm join --token TOKEN HOST:PORT: joins this node to a swarm as a worker or a manager (the token decides).</summary>
internal sealed class JoinCommand : ICommand
{
    public string Name => "swarm join";
    public string Summary => "Join a swarm as a node and/or manager";
    public string Usage => "[OPTIONS] HOST:PORT";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var token = flags.String(null, "token", "Token for entry into the swarm");
        var advertise = flags.String(null, "advertise-addr", "Advertised address (format: \"<ip|interface>[:port]\")");
        var listen = flags.String(null, "listen-addr", "Listen address (format: \"<ip|interface>[:port]\") (default 0.0.0.0:2377)", "node-addr");
        flags.Parse(args, exactly: 1);
        var r = await ctx.Swarm.JoinAsync(new SwarmJoinRequest
        {
            Token = token.ValueOr(""),
            RemoteAddr = flags.Positionals[0],
            AdvertiseAddr = advertise.ValueOr(""),
            ListenAddr = listen.ValueOr(""),
        }, cancellationToken: ct);
        ctx.Out.WriteLine(r.Role == NodeRole.Manager ? "This node joined a swarm as a manager." : "This node joined a swarm as a worker.");
        return 0;
    }
}
