using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>orch service rollback SERVICE: back to the previous spec (one level, as Swarm); then waits unless -d.</summary>
internal sealed class RollbackCommand : ICommand
{
    public string Name => "service rollback";
    public string Summary => "Revert changes to a service's configuration";
    public string Usage => "[OPTIONS] SERVICE";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this);
        var detach = set.Bool("d", "detach", "Exit immediately instead of waiting for the service to converge");
        var quiet = set.Bool("q", "quiet", "Suppress progress output");
        set.Parse(args, exactly: 1);
        var control = ctx.Control();
        var s = await control.InspectServiceAsync(new InspectServiceRequest { Id = set.Positionals[0] }, cancellationToken: ct);
        await control.UpdateServiceAsync(new UpdateServiceRequest { Id = s.Id, Version = s.Meta?.Version ?? 0, Rollback = true }, cancellationToken: ct);
        ctx.Out.WriteLine(set.Positionals[0]);
        return await ConvergeWatcher.MaybeWaitAsync(ctx, detach.On(), quiet.On(), s.Id, rollback: true, s.UpdateStatus, ct);
    }
}
