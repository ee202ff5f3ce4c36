namespace Orch.Cli.Cli;

/// <summary>
/// <c>orch COMMAND --help</c>: thrown by <see cref="FlagSet.Parse"/> so that no command handles it;
/// the entry point prints <see cref="Exception.Message"/> (the usage block) to stdout and exits 0, as docker/cli does.
/// </summary>
internal sealed class HelpRequestedException(string usage) : Exception(usage);
