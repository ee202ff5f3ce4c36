using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch restart [-t N] CONTAINER...</summary>
internal sealed class RestartCommand : ICommand
{
    public string Name => "container restart";
    public string Summary => "Restart one or more containers";
    public string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var time = flags.String("t", "time", "Seconds to wait before killing the container", "int");
        flags.Parse(args, atLeast: 1);
        var t = time.IntOr(-1, "restart");
        return await DaemonErrors.ForEachAsync(ctx, flags.Positionals, async id =>
            await ctx.Engine.RestartContainerAsync(new StopContainerRequest { Id = id, Timeout = Math.Max(0, t), HasTimeout = t >= 0 }, cancellationToken: ct));
    }
}
