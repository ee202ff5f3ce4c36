using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Cli.Commands.Service;
using OTask = Orch.Api.V1.Objects.Task;

namespace Orch.Cli.Tests.Service;

public sealed class ConvergeRendererTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    internal static OTask Task(string id, ulong slot, TaskState state, TaskState desired = TaskState.Running, ulong specVersion = 2, int ageSeconds = 10, string node = "n1") => new()
    {
        Id = id,
        Slot = slot,
        NodeId = node,
        ServiceName = "web",
        DesiredState = desired,
        SpecVersion = specVersion,
        Meta = new Meta { CreatedAt = Timestamp.FromDateTimeOffset(T0.AddSeconds(-ageSeconds)) },
        Status = new Api.V1.Objects.TaskStatus { State = state, Timestamp = Timestamp.FromDateTimeOffset(T0.AddSeconds(-ageSeconds)) },
        Spec = new TaskSpec { Container = new ContainerSpec { Image = "app:v1" } },
    };

    private static Api.V1.Objects.Service Web(ServiceMode mode = ServiceMode.Replicated) =>
        new() { Id = "svc1", SpecVersion = 2, Spec = new ServiceSpec { Name = "web", Mode = mode, Replicas = 3 } };

    [Fact]
    public void Render_Replicated_GoldenWithBars()
    {
        var tasks = new[]
        {
            Task("a", 1, TaskState.Running),
            Task("b", 2, TaskState.Starting),
            Task("old", 2, TaskState.Failed, TaskState.Shutdown, ageSeconds: 30),
            Task("stopping", 3, TaskState.Running, TaskState.Shutdown),
        };
        var lines = ConvergeRenderer.Render(Web(), tasks, 3, bars: true);
        Assert.Equal(
            """
            overall progress: 1 out of 3 tasks
            1/3: running   [==================================================>]
            2/3: starting  [==========================================>        ]
            3/3: 
            """, string.Join("\n", lines));
    }

    [Fact]
    public void Render_Plain_HasNoBars()
    {
        var lines = ConvergeRenderer.Render(Web(), [Task("a", 1, TaskState.Pending)], 1, bars: false);
        Assert.Equal(["overall progress: 0 out of 1 tasks", "1/1: pending"], lines);
    }

    [Fact]
    public void Render_Global_OneLinePerNode()
    {
        var tasks = new[] { Task("a", 0, TaskState.Running, node: "node2xxxxxxxxxxxxx"), Task("b", 0, TaskState.Assigned, node: "node1xxxxxxxxxxxxx") };
        var lines = ConvergeRenderer.Render(Web(ServiceMode.Global), tasks, 2, bars: false);
        Assert.Equal(["overall progress: 1 out of 2 tasks", "node1xxxxxxx: assigned", "node2xxxxxxx: running"], lines);
    }

    [Fact]
    public void Bar_NewIsShortRunningIsFull()
    {
        Assert.Equal("[=======>" + new string(' ', 43) + "]", ConvergeRenderer.Bar(TaskState.New));
        Assert.Equal("[" + new string('=', 50) + ">]", ConvergeRenderer.Bar(TaskState.Running));
    }
}
