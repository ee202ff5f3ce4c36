using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// orch service update [OPTIONS] SERVICE: reads the service, applies the flags to its spec and writes it
/// back with the version read; on a version conflict (FAILED_PRECONDITION) it re-reads and retries once.
/// Prints the argument, then waits for convergence unless -d.
/// </summary>
internal sealed class UpdateCommand : ICommand
{
    public string Name => "service update";
    public string Summary => "Update a service";
    public string Usage => "[OPTIONS] SERVICE";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this);
        var f = new ServiceFlags(set, update: true);
        set.Parse(args, exactly: 1);
        var name = set.Positionals[0];
        var control = ctx.Control();
        var rollback = f.Rollback!.On();
        for (var attempt = 0; ; attempt++)
        {
            var current = await control.InspectServiceAsync(new InspectServiceRequest { Id = name }, cancellationToken: ct);
            var request = new UpdateServiceRequest
            {
                Id = current.Id,
                Version = current.Meta?.Version ?? 0,
                Rollback = rollback,
                Force = f.Force!.On(),
                NoResolveImage = f.NoResolveImage.On(),
                WithRegistryAuth = f.WithRegistryAuth.On(),
            };
            request.Spec = rollback ? current.Spec : ServiceSpecBuilder.Update(f, current.Spec);
            try
            {
                var call = control.UpdateServiceAsync(request, cancellationToken: ct);
                await call;
                ServiceClient.PrintWarnings(ctx, call.GetTrailers());
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && attempt == 0)
            {
                continue;
            }
            ctx.Out.WriteLine(name);
            return await ConvergeWatcher.MaybeWaitAsync(ctx, f.Detach.On(), f.Quiet.On(), current.Id, rollback, current.UpdateStatus, ct);
        }
    }
}
