using Orch.Api.V1.Objects;
using Orch.Manager.Dispatching;
using TaskObject = Orch.Api.V1.Objects.Task;
using TaskStatus = Orch.Api.V1.Objects.TaskStatus;

namespace Orch.Manager.Tests.Dispatching;

public sealed class EndpointTablesTests
{
    private static Service Web(PublishMode mode = PublishMode.Ingress) => new()
    {
        Id = "svc1",
        Spec = new ServiceSpec
        {
            Name = "web",
            Endpoint = new EndpointSpec { Ports = { new PortConfig { PublishedPort = 8080, TargetPort = 80, PublishMode = mode, ProxyProtocol = "v2" } } },
        },
    };

    private static Node Node(string id, NodeState state = NodeState.Ready) =>
        new() { Id = id, Status = new NodeStatus { State = state, Addr = $"10.0.0.{id[^1]}:2377" } };

    private static TaskObject Task(string id, string node, uint hostPort, TaskState state = TaskState.Running,
        TaskState desired = TaskState.Running, TaskHealth health = TaskHealth.Unspecified) => new()
    {
        Id = id,
        ServiceId = "svc1",
        NodeId = node,
        DesiredState = desired,
        Status = new TaskStatus { State = state, Health = health },
        PublishedPorts = { new PortConfig { TargetPort = 80, PublishedPort = hostPort, PublishMode = PublishMode.Ingress } },
    };

    [Fact]
    public void Build_RunningTasks_AreBackendsAtNodeAddressAndHostPort()
    {
        var table = EndpointTables.Build([Web()], [Task("t2", "n2", 31002), Task("t1", "n1", 31001)], [Node("n1"), Node("n2")]);

        var e = Assert.Single(table.Endpoints);
        Assert.Equal((8080u, 80u, "web", "v2"), (e.PublishedPort, e.TargetPort, e.ServiceName, e.ProxyProtocol));
        Assert.Equal(["t1", "t2"], e.Backends.Select(b => b.TaskId));
        Assert.Equal(("10.0.0.1", 31001u, true, false), (e.Backends[0].Address, e.Backends[0].Port, e.Backends[0].Healthy, e.Backends[0].Draining));
    }

    [Fact]
    public void Build_DesiredShutdown_IsDraining()
    {
        var table = EndpointTables.Build([Web()], [Task("t1", "n1", 31001, desired: TaskState.Shutdown)], [Node("n1")]);

        Assert.True(table.Endpoints[0].Backends.Single().Draining);
    }

    [Theory]
    [InlineData(TaskHealth.Starting, false)]
    [InlineData(TaskHealth.Unhealthy, false)]
    [InlineData(TaskHealth.Healthy, true)]
    [InlineData(TaskHealth.Unspecified, true)]
    public void Build_Health_DecidesHealthy(TaskHealth health, bool healthy)
    {
        var table = EndpointTables.Build([Web()], [Task("t1", "n1", 31001, health: health)], [Node("n1")]);

        Assert.Equal(healthy, table.Endpoints[0].Backends.Single().Healthy);
    }

    [Fact]
    public void Build_NotRunningOrNodeDownOrNoReportedPort_IsNoBackend()
    {
        var unreported = Task("t4", "n1", 0);
        var table = EndpointTables.Build([Web()],
            [Task("t1", "n1", 31001, state: TaskState.Starting), Task("t2", "n2", 31002), Task("t3", "n1", 31003, state: TaskState.Shutdown), unreported],
            [Node("n1"), Node("n2", NodeState.Down)]);

        Assert.Empty(table.Endpoints.Single().Backends);
    }

    [Fact]
    public void Build_HostModePort_IsNotBalanced()
    {
        var table = EndpointTables.Build([Web(PublishMode.Host)], [Task("t1", "n1", 8080)], [Node("n1")]);

        Assert.Empty(table.Endpoints);
    }

    [Theory]
    [InlineData("10.0.0.5:2377", "10.0.0.5")]
    [InlineData("10.0.0.5", "10.0.0.5")]
    [InlineData("[fd00::1]:2377", "fd00::1")]
    [InlineData("fd00::1", "fd00::1")]
    public void HostOf_StripsThePort(string addr, string host) => Assert.Equal(host, EndpointTables.HostOf(addr));
}
