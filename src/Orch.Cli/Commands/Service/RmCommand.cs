using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>orch service rm SERVICE...: prints each removed argument; errors after, exit 1 if any.</summary>
internal sealed class RmCommand : ICommand
{
    public string Name => "service rm";
    public string Summary => "Remove one or more services";
    public string Usage => "SERVICE [SERVICE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this);
        set.Parse(args, atLeast: 1);
        var control = ctx.Control();
        var failed = false;
        foreach (var name in set.Positionals)
        {
            try
            {
                await control.RemoveServiceAsync(new RemoveServiceRequest { Id = name }, cancellationToken: ct);
                ctx.Out.WriteLine(name);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                ctx.Err.WriteLine($"Error: No such service: {name}");
                failed = true;
            }
            catch (RpcException e) when (ServiceClient.IsPerItem(e))
            {
                ctx.Err.WriteLine(ctx.Describe(e));
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }
}
