using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch rm [-f] [-v] CONTAINER...</summary>
internal sealed class RmCommand : ICommand
{
    public string Name => "container rm";
    public string Summary => "Remove one or more containers";
    public string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var force = flags.Bool("f", "force", "Force the removal of a running container (uses SIGKILL)");
        var volumes = flags.Bool("v", "volumes", "Remove anonymous volumes associated with the container");
        flags.Parse(args, atLeast: 1);
        return await DaemonErrors.ForEachAsync(ctx, flags.Positionals, async id =>
            await ctx.Engine.RemoveContainerAsync(new RemoveContainerRequest { Id = id, Force = force.On(), Volumes = volumes.On() }, cancellationToken: ct));
    }
}
