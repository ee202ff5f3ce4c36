using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Swarm;

/// <summary>orch swarm init: makes this node the first manager of a new swarm and prints how to join it.</summary>
internal sealed class InitCommand : ICommand
{
    public string Name => "swarm init";
    public string Summary => "Initialize a swarm";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var advertise = flags.String(null, "advertise-addr", "Advertised address (format: \"<ip|interface>[:port]\")");
        var listen = flags.String(null, "listen-addr", "Listen address (format: \"<ip|interface>[:port]\") (default 0.0.0.0:2377)", "node-addr");
        var heartbeat = flags.String(null, "dispatcher-heartbeat", "Dispatcher heartbeat period (ns|us|ms|s|m|h) (default 5s)", "duration");
        var history = flags.String(null, "task-history-limit", "Task history retention limit (default 5)", "int");
        var force = flags.Bool(null, "force-new-cluster", "Force create a new cluster from current state");
        var certExpiry = flags.String(null, "cert-expiry", "Validity period for node certificates (ns|us|ms|s|m|h) (default 2160h0m0s)", "duration");
        flags.Parse(args, atMost: 0);
        var request = new SwarmInitRequest
        {
            AdvertiseAddr = advertise.ValueOr(""),
            ListenAddr = listen.ValueOr(""),
            TaskHistoryLimit = history.IntOr(0, Name),
            ForceNewCluster = force.On(),
        };
        if (heartbeat.Value() is { } hb)
        {
            request.DispatcherHeartbeat = GoDuration.Parse(hb, "dispatcher-heartbeat", Name);
        }
        if (certExpiry.Value() is { } ce)
        {
            request.CertExpiry = GoDuration.Parse(ce, "cert-expiry", Name);
        }
        var r = await ctx.Swarm.InitAsync(request, cancellationToken: ct);
        ctx.Out.Write(JoinInstructions.AfterInit(r.NodeId, r.WorkerToken, r.ManagerAddr));
        return 0;
    }
}
