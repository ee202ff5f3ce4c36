using Orch.Api.V1.Objects;

namespace Orch.Cli.Commands.Node;

/// <summary>How docker/cli words a node's enums: title case in tables and --pretty, lower case in JSON.</summary>
internal static class NodeText
{
    public static string State(NodeState s) => s switch
    {
        NodeState.Ready => "ready",
        NodeState.Down => "down",
        NodeState.Disconnected => "disconnected",
        _ => "unknown",
    };

    public static string Availability(NodeAvailability a) => a switch
    {
        NodeAvailability.Pause => "pause",
        NodeAvailability.Drain => "drain",
        _ => "active",
    };

    public static string Role(NodeRole r) => r == NodeRole.Manager ? "manager" : "worker";

    public static string Title(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    public static NodeAvailability? ParseAvailability(string s) => s.ToLowerInvariant() switch
    {
        "active" => NodeAvailability.Active,
        "pause" => NodeAvailability.Pause,
        "drain" => NodeAvailability.Drain,
        _ => null,
    };
}
