using Orch.Api.V1.Objects;
using Orch.Cli.Commands.Service;
using static Orch.Cli.Tests.Service.ConvergeRendererTests;

namespace Orch.Cli.Tests.Service;

public sealed class ServiceTablesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Ls_Golden()
    {
        var web = new Api.V1.Objects.Service
        {
            Id = "abcdef1234567890",
            Spec = new ServiceSpec
            {
                Name = "web",
                Replicas = 3,
                TaskTemplate = new TaskSpec { Container = new ContainerSpec { Image = "app:v1@sha256:0123" } },
                Endpoint = new EndpointSpec { Ports = { new PortConfig { PublishedPort = 8080, TargetPort = 80 } } },
            },
        };
        var agent = new Api.V1.Objects.Service
        {
            Id = "zz9",
            Spec = new ServiceSpec { Name = "agent", Mode = ServiceMode.Global, TaskTemplate = new TaskSpec { Container = new ContainerSpec { Image = "busybox" } } },
        };
        var w = new StringWriter { NewLine = "\n" };
        ServiceTables.WriteLs(w, [web, agent],
            new Dictionary<string, ulong> { ["abcdef1234567890"] = 2, ["zz9"] = 2 },
            new Dictionary<string, ulong> { ["abcdef1234567890"] = 3, ["zz9"] = 2 });
        Assert.Equal(
            "ID             NAME      MODE         REPLICAS   IMAGE     PORTS\n" +
            "zz9            agent     global       2/2        busybox   \n" +
            "abcdef123456   web       replicated   2/3        app:v1    *:8080->80/tcp\n", w.ToString());
    }

    [Fact]
    public void Ps_Golden_HistoryRowsAndHostnames()
    {
        var failed = Task("t2oldxxxxxxxxxxxx", 1, TaskState.Failed, TaskState.Shutdown, ageSeconds: 125);
        failed.Status.Error = "task: non-zero exit (1): the process exited badly";
        var tasks = new[]
        {
            Task("t2xxxxxxxxxxxxxxx", 2, TaskState.Running, ageSeconds: 5, node: "n2"),
            Task("t1xxxxxxxxxxxxxxx", 1, TaskState.Running, ageSeconds: 60),
            failed,
        };
        var w = new StringWriter { NewLine = "\n" };
        ServiceTables.WritePs(w, tasks, new Dictionary<string, string> { ["n1"] = "host-a", ["n2"] = "host-b" }, noTrunc: false, Now);
        Assert.Equal(
            "ID             NAME        IMAGE     NODE      DESIRED STATE   CURRENT STATE                ERROR                              PORTS\n" +
            "t1xxxxxxxxxx   web.1       app:v1    host-a    Running         Running About a minute ago                                      \n" +
            "t2oldxxxxxxx    \\_ web.1   app:v1    host-a    Shutdown        Failed 2 minutes ago         \"task: non-zero exit (1): the …\"   \n" +
            "t2xxxxxxxxxx   web.2       app:v1    host-b    Running         Running 5 seconds ago                                           \n",
            w.ToString());
    }

    [Fact]
    public void Ps_PortsColumn_ListsHostModePortsOnly()
    {
        var t = Task("t1xxxxxxxxxxxxxxx", 1, TaskState.Running, ageSeconds: 5);
        t.PublishedPorts.Add(new PortConfig { PublishedPort = 40055, TargetPort = 8080, PublishMode = PublishMode.Ingress });
        t.PublishedPorts.Add(new PortConfig { PublishedPort = 9000, TargetPort = 9000, PublishMode = PublishMode.Host });
        var w = new StringWriter { NewLine = "\n" };
        ServiceTables.WritePs(w, [t], new Dictionary<string, string>(), noTrunc: false, Now);
        var row = w.ToString().Split('\n')[1];
        Assert.EndsWith("*:9000->9000/tcp", row.TrimEnd());
        Assert.DoesNotContain("40055", row);
    }

    [Fact]
    public void TaskName_GlobalUsesNodeId()
    {
        var t = Task("x", 0, TaskState.Running, node: "nodeid123");
        Assert.Equal("web.nodeid123", ServiceTables.TaskName(t));
    }

    [Fact]
    public void Port_Udp() =>
        Assert.Equal("*:53->53/udp", ServiceTables.Port(new PortConfig { PublishedPort = 53, TargetPort = 53, Protocol = PortProtocol.Udp }));

    [Fact]
    public void CurrentState_WithoutTimestamp_IsJustTheState()
    {
        var t = Task("x", 1, TaskState.Pending);
        t.Status.Timestamp = null;
        Assert.Equal("Pending", ServiceTables.CurrentState(t, Now));
    }
}
