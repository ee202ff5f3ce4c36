namespace Orch.Engine.Runtime;

/// <summary>Kinds of failure the API maps to gRPC status codes (see engine.proto).</summary>
public enum RuntimeError
{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    Internal,
}

/// <summary>
/// A failure of a runtime operation with a one-line message for the user. <see cref="ExitCode"/> is
/// what `orch run` exits with (125 for orch's own failures, 126/127 when the command cannot run).
/// </summary>
public sealed class RuntimeException(RuntimeError kind, string message, int exitCode = 125) : Exception(message)
{
    public RuntimeError Kind => kind;
    public int ExitCode => exitCode;
}
