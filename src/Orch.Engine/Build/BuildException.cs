namespace Orch.Engine.Build;

/// <summary>
/// A build that cannot go on: a Dockerfile error (the message names file and line), a missing COPY
/// source, a failed RUN (<see cref="ExitCode"/> is the command's code). The message is what the user sees.
/// </summary>
public sealed class BuildException(string message, int exitCode = 1) : Exception(message)
{
    /// <summary>The failing RUN's exit code; 1 for every other error.</summary>
    public int ExitCode => exitCode;

    public static BuildException At(string file, int line, string message) => new($"{file}:{line}: {message}");
}
