using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch create: the container exists, configured, not started; prints its id.</summary>
internal sealed class CreateCommand : ICommand
{
    public string Name => "container create";
    public string Summary => "Create a new container";
    public string Usage => "[OPTIONS] IMAGE [COMMAND] [ARG...]";
    public int DaemonErrorExitCode => 125;

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var request = new RunFlags(ctx, this, withDetach: false).Parse(args);
        var r = await ctx.Engine.CreateContainerAsync(request, cancellationToken: ct);
        ctx.Out.WriteLine(r.Id);
        return 0;
    }
}
