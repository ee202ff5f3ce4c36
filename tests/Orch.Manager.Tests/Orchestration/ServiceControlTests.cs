using Grpc.Core;
using Grpc.Net.Client;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.State;
using Orch.Manager.Tests.Raft;
using Task = System.Threading.Tasks.Task;
using ContainerSpec = Orch.Api.V1.Objects.ContainerSpec;
using RestartPolicy = Orch.Api.V1.Objects.RestartPolicy;

namespace Orch.Manager.Tests.Orchestration;

/// <summary>The service rpcs of the control API over real gRPC on a one-manager cluster (what `orch service …` calls).</summary>
public sealed class ServiceControlTests(ITestOutputHelper output)
{
    private static ServiceSpec Spec(string name, string image = "app:v1") =>
        new() { Name = name, TaskTemplate = new TaskSpec { Container = new ContainerSpec { Image = image } } };

    private static async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    [Fact]
    public async Task ServiceRpcs_CreateInspectUpdateRollbackListRemove_WithClearErrors()
    {
        await using var cluster = await ManagerCluster.StartAsync(1, output);
        var leader = await cluster.WaitForLeaderAsync();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{leader.ApiPort}");
        var control = new Orch.Api.V1.Control.ControlClient(channel);

        // Create fills Swarm's defaults and keeps the tag as given.
        var web = await control.CreateServiceAsync(new CreateServiceRequest { Spec = Spec("web") });
        Assert.Equal(1ul, web.Spec.Replicas);
        Assert.Equal(RestartCondition.Any, web.Spec.TaskTemplate.RestartPolicy.Condition);
        Assert.Equal(TimeSpan.FromSeconds(5), web.Spec.TaskTemplate.RestartPolicy.Delay.ToTimeSpan());
        Assert.Equal(1ul, web.Spec.UpdateConfig.Parallelism);
        Assert.Equal(UpdateFailureAction.Pause, web.Spec.UpdateConfig.FailureAction);
        Assert.Equal(UpdateOrder.StopFirst, web.Spec.UpdateConfig.Order);
        Assert.Equal(TimeSpan.FromSeconds(5), web.Spec.UpdateConfig.Monitor.ToTimeSpan());
        Assert.Equal("app:v1", web.Spec.TaskTemplate.Container.Image);
        Assert.Equal("", web.Spec.TaskTemplate.Container.ImageDigest);

        var dup = await Refused(async () => await control.CreateServiceAsync(new CreateServiceRequest { Spec = Spec("web") }));
        Assert.Equal(StatusCode.AlreadyExists, dup.StatusCode);
        Assert.Equal("service name \"web\" is already in use", dup.Status.Detail);
        var bad = Spec("bad");
        bad.TaskTemplate.Placement = new Placement { Constraints = { "zone=a" } };
        var invalid = await Refused(async () => await control.CreateServiceAsync(new CreateServiceRequest { Spec = bad }));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal("invalid constraint \"zone=a\": expected KEY==VALUE or KEY!=VALUE", invalid.Status.Detail);
        var noImage = await Refused(async () => await control.CreateServiceAsync(new CreateServiceRequest { Spec = Spec("x", "") }));
        Assert.Equal("no image given", noImage.Status.Detail);

        // Inspect by name, id and id prefix.
        Assert.Equal(web.Id, (await control.InspectServiceAsync(new InspectServiceRequest { Id = "web" })).Id);
        Assert.Equal(web.Id, (await control.InspectServiceAsync(new InspectServiceRequest { Id = web.Id[..6] })).Id);
        var missing = await Refused(async () => await control.InspectServiceAsync(new InspectServiceRequest { Id = "nope" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        // Rollback needs a previous spec.
        var noPrevious = await Refused(async () => await control.UpdateServiceAsync(
            new UpdateServiceRequest { Id = "web", Version = web.Meta.Version, Rollback = true }));
        Assert.Equal(StatusCode.FailedPrecondition, noPrevious.StatusCode);
        Assert.Equal("service web does not have a previous spec", noPrevious.Status.Detail);

        // Scaling is no update; a new image starts one.
        var scaledSpec = web.Spec.Clone();
        scaledSpec.Replicas = 3;
        var scaled = await control.UpdateServiceAsync(new UpdateServiceRequest { Id = "web", Version = web.Meta.Version, Spec = scaledSpec });
        Assert.Equal(3ul, scaled.Spec.Replicas);
        Assert.Null(scaled.UpdateStatus);
        var stale = await Refused(async () => await control.UpdateServiceAsync(
            new UpdateServiceRequest { Id = "web", Version = web.Meta.Version, Spec = scaledSpec }));
        Assert.Equal(StatusCode.FailedPrecondition, stale.StatusCode);
        var v2Spec = scaled.Spec.Clone();
        v2Spec.TaskTemplate.Container.Image = "app:v2";
        var v2 = await control.UpdateServiceAsync(new UpdateServiceRequest { Id = "web", Version = scaled.Meta.Version, Spec = v2Spec });
        Assert.Equal(UpdateState.Updating, v2.UpdateStatus.State);
        Assert.Equal("app:v1", v2.PreviousSpec.TaskTemplate.Container.Image);
        Assert.Equal(3ul, v2.SpecVersion);

        var forced = await control.UpdateServiceAsync(new UpdateServiceRequest { Id = "web", Version = v2.Meta.Version, Spec = v2.Spec, Force = true });
        Assert.Equal(v2.Spec.TaskTemplate.ForceUpdate + 1, forced.Spec.TaskTemplate.ForceUpdate);

        var back = await control.UpdateServiceAsync(new UpdateServiceRequest { Id = "web", Version = forced.Meta.Version, Rollback = true });
        Assert.Equal(UpdateState.RollbackStarted, back.UpdateStatus.State);
        Assert.Equal("manually requested rollback", back.UpdateStatus.Message);
        Assert.Equal("app:v2", back.Spec.TaskTemplate.Container.Image); // one level back: the forced v2

        // Tasks and counts, as `service ls` / `service ps` / `node ps` see them.
        await leader.Live.ProposeAsync(new Command
        {
            Ops =
            {
                TaskOp("t1", web.Id, "n1", TaskState.Running, TaskState.Running),
                TaskOp("t2", web.Id, "n2", TaskState.Running, TaskState.Preparing),
                TaskOp("t3", web.Id, "n1", TaskState.Shutdown, TaskState.Shutdown),
            },
        }, CancellationToken.None);
        var listed = await control.ListServicesAsync(new ListServicesRequest());
        Assert.Equal(1ul, listed.RunningTasks[web.Id]);
        Assert.Equal(3ul, listed.DesiredTasks[web.Id]);
        var onN1 = await control.ListTasksAsync(new ListTasksRequest { NodeId = "n1" });
        Assert.Equal(new[] { "t1", "t3" }, onN1.Tasks.Select(t => t.Id).Order());
        var desiredRunning = await control.ListTasksAsync(new ListTasksRequest { ServiceId = web.Id, DesiredStates = { TaskState.Running } });
        Assert.Equal(new[] { "t1", "t2" }, desiredRunning.Tasks.Select(t => t.Id).Order());

        await control.RemoveServiceAsync(new RemoveServiceRequest { Id = "web" });
        Assert.Empty((await control.ListServicesAsync(new ListServicesRequest())).Services);
    }

    private static Op TaskOp(string id, string service, string node, TaskState desired, TaskState observed) => new()
    {
        Create = new CreateOp
        {
            Object = StoreObjects.Wrap(new Orch.Api.V1.Objects.Task
            {
                Id = id, ServiceId = service, NodeId = node, Slot = 1, DesiredState = desired,
                Status = new Orch.Api.V1.Objects.TaskStatus { State = observed },
            }),
        },
    };
}
