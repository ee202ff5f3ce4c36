using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch wait CONTAINER...: prints each exit code.</summary>
internal sealed class WaitCommand : ICommand
{
    public string Name => "container wait";
    public string Summary => "Block until one or more containers stop, then print their exit codes";
    public string Usage => "CONTAINER [CONTAINER...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Parse(args, atLeast: 1);
        return await DaemonErrors.ForEachAsync(ctx, flags.Positionals, async id =>
        {
            var r = await ctx.Engine.WaitContainerAsync(new ContainerRef { Id = id }, cancellationToken: ct);
            ctx.Out.WriteLine(r.ExitCode);
        }, echo: false);
    }
}
