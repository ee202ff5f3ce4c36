using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch stop [-t N] CONTAINER...: stop signal, then SIGKILL after the timeout.</summary>
internal sealed class StopCommand : ICommand
{
    public string Name => "container stop";
    public string Summary => "Stop one or more running containers";
    public string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var time = flags.String("t", "time", "Seconds to wait before killing the container", "int");
        flags.Parse(args, atLeast: 1);
        var t = time.IntOr(-1, "stop");
        return await DaemonErrors.ForEachAsync(ctx, flags.Positionals, async id =>
            await ctx.Engine.StopContainerAsync(new StopContainerRequest { Id = id, Timeout = Math.Max(0, t), HasTimeout = t >= 0 }, cancellationToken: ct));
    }
}
