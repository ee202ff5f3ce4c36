namespace Orch.Cli.Cli;

/// <summary>One CLI command, named noun-then-verb as docker/cli ("container run").</summary>
internal interface ICommand
{
    /// <summary>Full name, e.g. "container run".</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>What follows the command's name in its usage line (docker/cli's Use), e.g. "[OPTIONS] CONTAINER [CONTAINER...]".</summary>
    string Usage { get; }

    /// <summary>Exit code used when the daemon refuses the request (Docker: 125 for run/create, 1 otherwise).</summary>
    int DaemonErrorExitCode => 1;

    Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct);
}
