using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch logout REGISTRY: forgets the credentials the daemon keeps for it.</summary>
internal sealed class LogoutCommand : ICommand
{
    public string Name => "logout";
    public string Summary => "Log out from a registry";
    public string Usage => "SERVER";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Parse(args, exactly: 1);
        var host = LoginCommand.Host(flags.Positionals[0]);
        var r = await ctx.Engine.LogoutAsync(new LogoutRequest { Registry = host }, cancellationToken: ct);
        ctx.Out.WriteLine(r.Removed ? $"Removing login credentials for {host}" : $"Not logged in to {host}");
        return 0;
    }
}
