using Orch.Api.V1.Objects;
using Orch.Cli.Commands.Node;

namespace Orch.Cli.Tests;

public sealed class NodeResolverTests
{
    private static readonly Api.V1.Objects.Node[] Nodes =
    [
        NodeFixtures.Node("abc123", "n1", NodeRole.Manager),
        NodeFixtures.Node("abd456", "n2", NodeRole.Worker),
        NodeFixtures.Node("n1xyz", "twin", NodeRole.Worker),
        NodeFixtures.Node("zzz999", "twin", NodeRole.Worker),
    ];

    [Theory]
    [InlineData("abc123", "abc123")]
    [InlineData("n2", "abd456")]
    [InlineData("abc", "abc123")]
    [InlineData("n1", "abc123")] // a hostname wins over an id prefix, as in swarmkit
    [InlineData("zzz", "zzz999")]
    public void Match_IdHostnameOrUniquePrefix_FindsTheNode(string arg, string id) =>
        Assert.Equal(id, NodeResolver.Match(Nodes, arg));

    [Theory]
    [InlineData("ab", "node ab is ambiguous (2 matches found)")]
    [InlineData("twin", "node twin is ambiguous (2 matches found)")]
    [InlineData("nope", "node nope not found")]
    public void Match_AmbiguousOrUnknown_SaysSo(string arg, string message) =>
        Assert.Equal(message, Assert.Throws<NodeNotFoundException>(() => NodeResolver.Match(Nodes, arg)).Message);
}
