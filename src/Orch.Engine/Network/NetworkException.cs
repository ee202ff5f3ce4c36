namespace Orch.Engine.Network;

/// <summary>A network failure with a message meant for the user (one line, names the problem).</summary>
public sealed class NetworkException : Exception
{
    public NetworkException(string message) : base(message)
    {
    }

    public NetworkException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>True when the cause is a host port that is already taken (Docker answers this with a conflict).</summary>
    public bool IsPortConflict { get; init; }

    /// <summary>The errno behind a failed kernel request, 0 when there is none.</summary>
    public int Errno { get; init; }
}
