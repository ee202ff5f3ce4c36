using Orch.Api.V1.Objects;
using Orch.Cli.Commands.Node;
using Orch.Cli.Commands.Swarm;

namespace Orch.Cli.Tests;

public sealed class SwarmTextTests
{
    [Fact]
    public void AfterInit_DockerWording()
    {
        Assert.Equal(
            "Swarm initialized: current node (abc) is now a manager.\n\n" +
            "To add a worker to this swarm, run the following command:\n\n" +
            "    orch swarm join --token SWMTKN-1-x-y 10.77.0.1:2377\n\n" +
            "To add a manager to this swarm, run 'orch swarm join-token manager' and follow the instructions.\n\n",
            JoinInstructions.AfterInit("abc", "SWMTKN-1-x-y", "10.77.0.1:2377"));
    }

    [Fact]
    public void NodePs_NoTasks_HeaderOnly_OneTask_DockerColumns()
    {
        var w = new StringWriter { NewLine = "\n" };
        PsCommand.Render([], new Dictionary<string, string>(), NodeFixtures.Created, noTrunc: false).WriteTo(w);
        Assert.Equal("ID        NAME      IMAGE     NODE      DESIRED STATE   CURRENT STATE   ERROR     PORTS\n", w.ToString());

        var task = new Api.V1.Objects.Task
        {
            Id = "t0123456789abcdef",
            ServiceId = "svc1",
            ServiceName = "web",
            Spec = new TaskSpec { Container = new ContainerSpec { Image = "busybox:latest" } },
            PublishedPorts = { new PortConfig { PublishedPort = 8080, TargetPort = 80 } },
            Slot = 2,
            NodeId = "node1",
            DesiredState = TaskState.Running,
            Status = new Api.V1.Objects.TaskStatus
            {
                State = TaskState.Failed,
                Error = "starting container failed: no such file or directory",
                Timestamp = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(NodeFixtures.Created.AddMinutes(-5)),
            },
        };
        w = new StringWriter { NewLine = "\n" };
        PsCommand.Render([task], new Dictionary<string, string> { ["node1"] = "n1" }, NodeFixtures.Created, noTrunc: false).WriteTo(w);
        Assert.Equal(
            "ID             NAME      IMAGE            NODE      DESIRED STATE   CURRENT STATE          ERROR                              PORTS\n" +
            "t0123456789a   web.2     busybox:latest   n1        Running         Failed 5 minutes ago   \"starting container failed: no…\"   *:8080->80/tcp\n",
            w.ToString());
    }
}
