using Grpc.Core;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Chaos.Tests.Checking;
using Task = System.Threading.Tasks.Task;
using ContainerSpec = Orch.Api.V1.Objects.ContainerSpec;

namespace Orch.Chaos.Tests.Workload;

/// <summary>
/// One client of the workload: a loop of random control calls (service create / update / scale / rm, node
/// label changes) against random managers, each recorded with its outcome. Updates read the object and write
/// it back with the version read, as the CLI does; a conflict is a definite failure. Every write carries a
/// value unique in the run (the call's id), so the checker can tell which write won.
/// </summary>
internal sealed class ChaosClient(int client, Random random, WorkloadModel model, NodeChannels nodes, HistoryRecorder history)
{
    /// <summary>The label of a service that holds the value of the write that last changed its spec.</summary>
    public const string RegisterLabel = "chaos.register";
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(12);

    // busybox as PID 1 gets no default signal handlers: trap TERM so that a stop does not wait the grace period.
    private static readonly string[] Command = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"];

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await OneAsync();
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 900)), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Task OneAsync()
    {
        var roll = random.Next(100);
        var service = model.AnyService(random);
        // Removes are rare and keep at least two services, so that most runs end with services to converge.
        return roll switch
        {
            < 40 => SetLabelAsync(),
            < 58 when model.LiveServices < WorkloadModel.MaxServices => CreateAsync(),
            < 75 when service is not null => UpdateAsync(service, scale: false),
            < 92 when service is not null => UpdateAsync(service, scale: true),
            < 100 when service is not null && model.LiveServices > 2 => RemoveAsync(service),
            _ => SetLabelAsync(),
        };
    }

    private Task SetLabelAsync()
    {
        var node = model.Hostnames[random.Next(model.Hostnames.Count)];
        var key = "k" + random.Next(3);
        return RecordAsync(OpKind.SetNodeLabel, node, key, null, async (control, value, written, deadline) =>
        {
            var id = model.NodeId(node);
            var n = await control.InspectNodeAsync(new InspectNodeRequest { Id = id }, deadline: deadline);
            var spec = n.Spec?.Clone() ?? new NodeSpec();
            spec.Labels[key] = value;
            written();
            await control.UpdateNodeAsync(new UpdateNodeRequest { Id = id, Version = n.Meta.Version, Spec = spec }, deadline: deadline);
        });
    }

    private Task CreateAsync()
    {
        var name = model.NewServiceName();
        var replicas = random.Next(1, 3);
        return RecordAsync(OpKind.CreateService, name, "", replicas, async (control, value, written, deadline) =>
        {
            var spec = new ServiceSpec
            {
                Name = name,
                Replicas = (ulong)replicas,
                TaskTemplate = new TaskSpec
                {
                    Container = new ContainerSpec
                    {
                        Image = "busybox:latest",
                        Args = { Command },
                        Env = { "CHAOS_GEN=" + value },
                        StopGracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(2)),
                    },
                },
            };
            spec.Labels[RegisterLabel] = value;
            written();
            await control.CreateServiceAsync(new CreateServiceRequest { Spec = spec }, deadline: deadline);
        }, onDone: outcome => model.Created(name, outcome));
    }

    // An update changes the task template (a rolling update); a scale only the replica count. Both write the register.
    private Task UpdateAsync(string name, bool scale)
    {
        int? replicas = scale ? random.Next(0, 3) : null;
        return RecordAsync(scale ? OpKind.ScaleService : OpKind.UpdateService, name, "", replicas, async (control, value, written, deadline) =>
        {
            var s = await control.InspectServiceAsync(new InspectServiceRequest { Id = name }, deadline: deadline);
            var spec = s.Spec.Clone();
            if (replicas is { } r)
            {
                spec.Replicas = (ulong)r;
            }
            else
            {
                var env = spec.TaskTemplate.Container.Env;
                env.Clear();
                env.Add("CHAOS_GEN=" + value);
            }
            spec.Labels[RegisterLabel] = value;
            written();
            await control.UpdateServiceAsync(new UpdateServiceRequest { Id = s.Id, Version = s.Meta.Version, Spec = spec }, deadline: deadline);
        }, onNotFound: () => model.Gone(name));
    }

    private Task RemoveAsync(string name) =>
        RecordAsync(OpKind.RemoveService, name, "", null, async (control, _, written, deadline) =>
        {
            written();
            await control.RemoveServiceAsync(new RemoveServiceRequest { Id = name }, deadline: deadline);
        }, onDone: outcome => model.Removed(name, outcome), onNotFound: () => model.Gone(name));

    private delegate Task Call(Orch.Api.V1.Control.ControlClient control, string value, Action written, DateTime deadline);

    /// <summary>
    /// Runs one call against a random manager and records it. A failure before the write request was sent
    /// (<paramref name="call"/> invokes <c>written</c> just before sending it) is a definite failure whatever
    /// its kind: nothing was proposed.
    /// </summary>
    private async Task RecordAsync(OpKind kind, string target, string key, int? replicas, Call call, Action<Outcome>? onDone = null,
        Action? onNotFound = null)
    {
        var manager = model.Managers[random.Next(model.Managers.Count)];
        var id = history.NextId();
        var value = $"v{id}";
        var sent = false;
        var start = history.Now;
        Outcome outcome;
        var detail = "";
        try
        {
            await call(nodes.Control(manager), value, () => sent = true, DateTime.UtcNow + CallTimeout);
            outcome = Outcome.Acknowledged;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or IOException or HttpRequestException)
        {
            outcome = sent ? CallOutcome.Of(e) : Outcome.Failed;
            detail = CallOutcome.Describe(e);
            if (e is RpcException { StatusCode: StatusCode.NotFound })
            {
                onNotFound?.Invoke();
            }
        }
        history.Add(new OpRecord(id, client, kind, target, key, value, replicas, manager, start, history.Now, outcome, detail));
        onDone?.Invoke(outcome);
    }
}
