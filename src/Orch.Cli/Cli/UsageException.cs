namespace Orch.Cli.Cli;

/// <summary>
/// Bad command line: printed as Docker does ("... See 'orch run --help'.") with exit 125.
/// <see cref="Usage"/>, when set, follows after a blank line (docker/cli adds the usage line and summary to a wrong argument count).
/// </summary>
internal sealed class UsageException(string message, string command, string? usage = null) : Exception(message)
{
    public string CommandName => command;
    public string? Usage => usage;
}

/// <summary>A failure with a message for the user and an exit code; no stack trace is printed.</summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode => exitCode;
}
