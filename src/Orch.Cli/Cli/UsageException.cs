namespace Orch.Cli.Cli;

/// <summary>Bad command line: printed as Docker does ("... See 'orch run --help'.") with exit 125 for run-like commands.</summary>
internal sealed class UsageException(string message, string command) : Exception(message)
{
    public string CommandName => command;
}

/// <summary>A failure with a message for the user and an exit code; no stack trace is printed.</summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode => exitCode;
}
