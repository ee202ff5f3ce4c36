using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>orch service create [OPTIONS] IMAGE [COMMAND] [ARG...]: prints the new id, then waits for convergence unless -d.</summary>
internal sealed class CreateCommand : ICommand
{
    public string Name => "service create";
    public string Summary => "Create a new service";
    public string Usage => "[OPTIONS] IMAGE [COMMAND] [ARG...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this) { StopAtFirstPositional = true };
        var f = new ServiceFlags(set, update: false);
        set.Parse(args, atLeast: 1);
        var spec = ServiceSpecBuilder.Create(f, set.Positionals);
        var call = ctx.Control().CreateServiceAsync(new CreateServiceRequest
        {
            Spec = spec,
            NoResolveImage = f.NoResolveImage.On(),
            WithRegistryAuth = f.WithRegistryAuth.On(),
        }, cancellationToken: ct);
        var service = await call;
        ServiceClient.PrintWarnings(ctx, call.GetTrailers());
        ctx.Out.WriteLine(service.Id);
        return await ConvergeWatcher.MaybeWaitAsync(ctx, f.Detach.On(), f.Quiet.On(), service.Id, rollback: false, before: null, ct);
    }
}
