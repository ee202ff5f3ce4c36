using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>orch service scale SERVICE=REPLICAS...: "web scaled to 5" for each, then waits for each unless -d.</summary>
internal sealed class ScaleCommand : ICommand
{
    public string Name => "service scale";
    public string Summary => "Scale one or multiple replicated services";
    public string Usage => "SERVICE=REPLICAS [SERVICE=REPLICAS...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this);
        var detach = set.Bool("d", "detach", "Exit immediately instead of waiting for the service to converge");
        set.Parse(args, atLeast: 1);
        var targets = new List<(string Name, ulong Replicas)>();
        foreach (var a in set.Positionals)
        {
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !ulong.TryParse(a[(eq + 1)..], out var n))
            {
                throw new UsageException($"invalid scale specifier '{a}'.", Name);
            }
            targets.Add((a[..eq], n));
        }
        var control = ctx.Control();
        var exit = 0;
        foreach (var (name, replicas) in targets)
        {
            try
            {
                var (id, before) = await ScaleOneAsync(control, name, replicas, ct);
                ctx.Out.WriteLine($"{name} scaled to {replicas}");
                exit |= await ConvergeWatcher.MaybeWaitAsync(ctx, detach.On(), quiet: false, id, rollback: false, before, ct);
            }
            catch (RpcException e) when (ServiceClient.IsPerItem(e))
            {
                ctx.Err.WriteLine(ctx.Describe(e));
                exit = 1;
            }
            catch (CliException e)
            {
                ctx.Err.WriteLine(e.Message);
                exit = 1;
            }
        }
        return exit;
    }

    private static async Task<(string Id, UpdateStatus? Before)> ScaleOneAsync(Control.ControlClient control, string name, ulong replicas, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var s = await control.InspectServiceAsync(new InspectServiceRequest { Id = name }, cancellationToken: ct);
            if (s.Spec.Mode != ServiceMode.Replicated)
            {
                throw new CliException($"{name}: scale can only be used with replicated mode", 1);
            }
            var spec = s.Spec.Clone();
            spec.Replicas = replicas;
            try
            {
                await control.UpdateServiceAsync(new UpdateServiceRequest { Id = s.Id, Version = s.Meta?.Version ?? 0, Spec = spec }, cancellationToken: ct);
                return (s.Id, s.UpdateStatus);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && attempt == 0)
            {
            }
        }
    }
}
