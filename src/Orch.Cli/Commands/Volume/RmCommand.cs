using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Volume;

/// <summary>orch volume rm [-f] VOLUME...: prints each removed name; errors after, exit 1 if any.</summary>
internal sealed class RmCommand : ICommand
{
    public string Name => "volume rm";
    public string Summary => "Remove one or more volumes";
    public string Usage => "[OPTIONS] VOLUME [VOLUME...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var force = flags.Bool("f", "force", "Force the removal of one or more volumes");
        flags.Parse(args, atLeast: 1);
        var failed = false;
        foreach (var name in flags.Positionals)
        {
            try
            {
                await ctx.Engine.RemoveVolumeAsync(new RemoveVolumeRequest { Name = name, Force = force.On() }, cancellationToken: ct);
                ctx.Out.WriteLine(name);
            }
            catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled))
            {
                ctx.Err.WriteLine(ctx.Describe(e));
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }
}
