namespace Orch.Cli.Commands.Node;

/// <summary>A NODE argument that names no node (or several).</summary>
internal sealed class NodeNotFoundException(string arg, string message) : Exception(message)
{
    public string Argument => arg;
}
