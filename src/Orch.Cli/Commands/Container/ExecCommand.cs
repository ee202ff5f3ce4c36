using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch exec [-i] [-t] [-e K=V] [-u USER] [-w DIR] CONTAINER CMD...</summary>
internal sealed class ExecCommand : ICommand
{
    public string Name => "container exec";
    public string Summary => "Execute a command in a running container";
    public string Usage => "[OPTIONS] CONTAINER COMMAND [ARG...]";
    public int DaemonErrorExitCode => 126;

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this) { StopAtFirstPositional = true };
        var interactive = flags.Bool("i", "interactive", "Keep STDIN open even if not attached");
        var tty = flags.Bool("t", "tty", "Allocate a pseudo-TTY");
        var env = flags.String("e", "env", "Set environment variables", "list");
        var user = flags.String("u", "user", "Username or UID (format: \"<name|uid>[:<group|gid>]\")");
        var workdir = flags.String("w", "workdir", "Working directory inside the container");
        flags.Parse(args, atLeast: 2);
        var spec = new ExecSpec
        {
            Container = flags.Positionals[0],
            User = user.ValueOr(""),
            WorkingDir = workdir.ValueOr(""),
            Tty = tty.On(),
            OpenStdin = interactive.On(),
        };
        spec.Cmd.AddRange(flags.Positionals.Skip(1));
        spec.Env.AddRange(env.Values);
        try
        {
            using var call = ctx.Engine.Exec(cancellationToken: ct);
            return await StdioSession.RunAsync(call, new StdioRequest { Exec = spec }, interactive.On(), tty.On(), ct);
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled))
        {
            ctx.Err.WriteLine(ctx.Describe(e));
            return e.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition ? 1 : DaemonErrors.ExitCode(e, 126);
        }
    }
}
