using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch login -u USER (-p PASS | --password-stdin) REGISTRY: the daemon checks and keeps the credentials.</summary>
internal sealed class LoginCommand : ICommand
{
    public string Name => "login";
    public string Summary => "Log in to a registry";
    public string Usage => "[OPTIONS] SERVER";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var user = flags.String("u", "username", "Username");
        var password = flags.String("p", "password", "Password");
        var stdin = flags.Bool(null, "password-stdin", "Take the password from stdin");
        flags.Parse(args, exactly: 1);
        if (user.Value() is not { Length: > 0 } name)
        {
            throw new CliException("Error: Cannot perform an interactive login from a non TTY device; use -u and --password-stdin");
        }
        string secret;
        if (stdin.On())
        {
            if (password.Set)
            {
                throw new CliException("--password and --password-stdin are mutually exclusive");
            }
            secret = (await Console.In.ReadToEndAsync(ct)).TrimEnd('\n', '\r');
        }
        else
        {
            secret = password.Value() ?? throw new CliException("Error: Password Required");
            ctx.Err.WriteLine("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        }
        await ctx.Engine.LoginAsync(new LoginRequest { Registry = Host(flags.Positionals[0]), Username = name, Password = secret }, cancellationToken: ct);
        ctx.Out.WriteLine("Login Succeeded");
        return 0;
    }

    internal static string Host(string server) =>
        server.Replace("https://", "", StringComparison.Ordinal).Replace("http://", "", StringComparison.Ordinal).TrimEnd('/');
}
