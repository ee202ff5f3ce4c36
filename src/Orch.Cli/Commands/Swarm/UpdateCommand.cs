using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Swarm;

/// <summary>orch swarm update [--dispatcher-heartbeat D] [--task-history-limit N] [--cert-expiry D]: "Swarm updated."</summary>
internal sealed class UpdateCommand : ICommand
{
    public string Name => "swarm update";
    public string Summary => "Update the swarm";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var heartbeat = flags.String(null, "dispatcher-heartbeat", "Dispatcher heartbeat period (ns|us|ms|s|m|h)", "duration");
        var history = flags.String(null, "task-history-limit", "Task history retention limit", "int");
        var certExpiry = flags.String(null, "cert-expiry", "Validity period for node certificates (ns|us|ms|s|m|h)", "duration");
        flags.Parse(args, atMost: 0);
        // Parse before any call, so that a bad value changes nothing.
        var hb = heartbeat.Value() is { } h ? GoDuration.Parse(h, "dispatcher-heartbeat", Name) : null;
        var limit = history.Set ? history.IntOr(0, Name) : (int?)null;
        var expiry = certExpiry.Value() is { } c ? GoDuration.Parse(c, "cert-expiry", Name) : null;
        await SwarmSpecUpdate.ApplyAsync(ctx, (_, request) =>
        {
            if (hb is not null)
            {
                request.Spec.DispatcherHeartbeatPeriod = hb;
            }
            if (limit is { } l)
            {
                request.Spec.TaskHistoryLimit = l;
            }
            if (expiry is not null)
            {
                request.Spec.NodeCertExpiry = expiry;
            }
        }, ct);
        ctx.Out.WriteLine("Swarm updated.");
        return 0;
    }
}
