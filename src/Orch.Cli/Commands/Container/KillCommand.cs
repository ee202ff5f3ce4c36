using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch kill [-s SIGNAL] CONTAINER...</summary>
internal sealed class KillCommand : ICommand
{
    public string Name => "container kill";
    public string Summary => "Kill one or more running containers";
    public string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var signal = flags.String("s", "signal", "Signal to send to the container");
        flags.Parse(args, atLeast: 1);
        return await DaemonErrors.ForEachAsync(ctx, flags.Positionals, async id =>
            await ctx.Engine.KillContainerAsync(new KillContainerRequest { Id = id, Signal = signal.ValueOr("KILL") }, cancellationToken: ct));
    }
}
