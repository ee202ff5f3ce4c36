using Orch.Api.V1.Objects;
using Orch.Cli.Commands.Node;

namespace Orch.Cli.Tests;

public sealed class NodeTableTests
{
    [Fact]
    public void Render_ThreeManagersAndAWorker_DockerColumnsLeaderReachableUnreachableAndSelfStar()
    {
        var nodes = new[]
        {
            NodeFixtures.Node("aaaaaaaaaaaaaaaaaaaaaaaaa", "n1", NodeRole.Manager, raftAddr: "10.77.0.1:2378", k: 1),
            NodeFixtures.Node("bbbbbbbbbbbbbbbbbbbbbbbbb", "n2", NodeRole.Manager, raftAddr: "10.77.0.2:2378", k: 2),
            NodeFixtures.Node("ccccccccccccccccccccccccc", "n3", NodeRole.Manager, NodeState.Down, raftAddr: "10.77.0.3:2378", k: 3),
            NodeFixtures.Node("ddddddddddddddddddddddddd", "n4", NodeRole.Worker, availability: NodeAvailability.Drain, k: 4),
        };
        var view = new ManagerView("10.77.0.2:2378", ["10.77.0.1:2378", "10.77.0.2:2378"]);
        var w = new StringWriter { NewLine = "\n" };

        LsCommand.Render(nodes, view, "aaaaaaaaaaaaaaaaaaaaaaaaa").WriteTo(w);

        Assert.Equal("""
            ID                            HOSTNAME   STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION
            aaaaaaaaaaaaaaaaaaaaaaaaa *   n1         Ready     Active         Reachable        0.1.0
            bbbbbbbbbbbbbbbbbbbbbbbbb     n2         Ready     Active         Leader           0.1.0
            ccccccccccccccccccccccccc     n3         Down      Active         Unreachable      0.1.0
            ddddddddddddddddddddddddd     n4         Ready     Drain                           0.1.0

            """, w.ToString());
    }

    [Fact]
    public void Render_NoLeaderKnown_NoManagerIsLeader()
    {
        var nodes = new[] { NodeFixtures.Node("aaaa", "n1", NodeRole.Manager, raftAddr: "10.77.0.1:2378") };
        var w = new StringWriter { NewLine = "\n" };

        LsCommand.Render(nodes, new ManagerView("", []), "aaaa").WriteTo(w);

        Assert.Contains("Unreachable", w.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Leader", w.ToString(), StringComparison.Ordinal);
    }
}
