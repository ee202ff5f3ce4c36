using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Swarm;

/// <summary>orch swarm join --token TOKEN HOST:PORT: joins this node to a swarm as a worker or a manager (the token decides).</summary>
internal sealed class JoinCommand : ICommand
{
    public string Name => "swarm join";
    public string Summary => "Join a swarm as a node and/or manager";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var token = flags.String(null, "token", "Token for entry into the swarm");
        var advertise = flags.String(null, "advertise-addr", "Advertised address (format: \"<ip|interface>[:port]\")");
        var listen = flags.String(null, "listen-addr", "Listen address (format: \"<ip|interface>[:port]\") (default 0.0.0.0:2377)", "node-addr");
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (UsageText.Print(ctx, flags, help, "swarm join [OPTIONS] HOST:PORT", Summary))
        {
            return 0;
        }
        if (flags.Positionals.Count != 1)
        {
            throw new UsageException($"\"orch {Name}\" requires exactly 1 argument.", Name);
        }
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
