using Orch.Api.V1.Objects;
using Orch.Manager.Scheduling;
using static Orch.Manager.Tests.Scheduling.SchedulingFixtures;

namespace Orch.Manager.Tests.Scheduling;

public sealed class ConstraintTests
{
    [Theory]
    [InlineData("node.id==n1", "n1", true)]
    [InlineData("node.id!=n1", "n1", false)]
    [InlineData("node.hostname==HOST-n2", "n2", true)]
    [InlineData("node.hostname!=host-n2", "n1", true)]
    [InlineData("node.role==worker", "n1", true)]
    [InlineData("node.role==manager", "n1", false)]
    [InlineData("node.labels.zone==a", "n1", true)]
    [InlineData("node.labels.zone==b", "n1", false)]
    [InlineData("node.labels.missing==x", "n1", false)]
    [InlineData("node.labels.missing!=x", "n1", true)]
    [InlineData(" node.labels.zone == a ", "n1", true)]
    public void Matches_Expression_AsSwarm(string expression, string nodeId, bool expected)
    {
        var node = Node(nodeId, labels: ("zone", "a"));
        Assert.Equal(expected, Constraint.Parse(expression).Matches(node));
    }

    [Theory]
    [InlineData("node.labels.zone", "expected KEY==VALUE or KEY!=VALUE")]
    [InlineData("node.labels.zone==", "no value after the operator")]
    [InlineData("node.color==red", "unknown key \"node.color\"")]
    [InlineData("node.labels.==x", "unknown key \"node.labels.\"")]
    [InlineData("node.role==boss", "node.role is manager or worker")]
    [InlineData("node.id==a==b", "more than one operator")]
    public void Parse_Invalid_ClearError(string expression, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => Constraint.Parse(expression));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.Contains(expression, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Matches_ManagerRole_OnlyManagers()
    {
        var c = Constraint.Parse("node.role==manager");
        Assert.True(c.Matches(Node("m", role: NodeRole.Manager)));
        Assert.False(c.Matches(Node("w")));
    }
}
