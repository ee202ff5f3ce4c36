using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch start [-a] CONTAINER...</summary>
internal sealed class StartCommand : ICommand
{
    public string Name => "container start";
    public string Summary => "Start one or more stopped containers";
    public string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var attach = flags.Bool("a", "attach", "Attach STDOUT/STDERR and forward signals");
        var interactive = flags.Bool("i", "interactive", "Attach container's STDIN");
        flags.Parse(args, atLeast: 1);
        if (attach.On() && flags.Positionals.Count == 1)
        {
            using var call = ctx.Engine.Attach(cancellationToken: ct);
            return await StdioSession.RunAsync(call, new StdioRequest { Attach = flags.Positionals[0] }, interactive.On(), false, ct);
        }
        return await DaemonErrors.ForEachAsync(ctx, flags.Positionals,
            async id => await ctx.Engine.StartContainerAsync(new ContainerRef { Id = id }, cancellationToken: ct));
    }
}
