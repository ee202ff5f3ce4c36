using System.Text;
using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;
using Orch.Engine.Network;
using Orch.Engine.Runtime;

namespace Orch.Agent.Execution;

/// <summary>
/// <see cref="IExecutor"/> over this node's engine: a task is a container named
/// <c>SERVICE.SLOT.TASKID</c> (global: <c>SERVICE.NODEID.TASKID</c>), labelled with its task and
/// service ids. Published ports: see <see cref="TaskPorts"/> (host mode binds the published port,
/// ingress mode an ephemeral port that the load balancers of every node connect to). No restart policy in the engine: restarts are the cluster's decision.
/// </summary>
internal sealed class EngineExecutor(ContainerRuntime runtime, Images.ImageFetcher images) : IExecutor
{
    public const string TaskLabel = "com.orch.swarm.task.id";
    public const string ServiceLabel = "com.orch.swarm.service.id";

    public async Task<string> PrepareAsync(Orch.Api.V1.Objects.Task task, CancellationToken ct)
    {
        if (TaskContainers().TryGetValue(task.Id, out var existing))
        {
            return existing.ContainerId;
        }
        var c = task.Spec?.Container ?? throw new ExecutorException("task has no container spec");
        // Pinned images come from this node, the managers or the registry (images.ImageFetcher).
        var image = await images.EnsureAsync(c, ct);
        var labels = new Dictionary<string, string>(c.Labels)
        {
            [TaskLabel] = task.Id,
            [ServiceLabel] = task.ServiceId,
        };
        var resources = task.Spec.Resources?.Limits;
        try
        {
            var record = runtime.Create(new CreateOptions
            {
                Name = $"{task.ServiceName}.{(task.Slot > 0 ? task.Slot.ToString(System.Globalization.CultureInfo.InvariantCulture) : task.NodeId)}.{task.Id}",
                Image = image,
                Cmd = [.. c.Args],
                Entrypoint = [.. c.Entrypoint],
                EntrypointSet = c.Entrypoint.Count > 0,
                Env = [.. c.Env],
                WorkingDir = c.Workdir,
                User = c.User,
                Hostname = c.Hostname,
                Mounts = [.. c.Mounts.Select(m => new MountRequest(
                    m.Type switch { MountType.Volume => "volume", MountType.Tmpfs => "tmpfs", _ => "bind" }, m.Source, m.Target, m.ReadOnly))],
                Ports = TaskPorts.Bindings(task),
                MemoryBytes = resources?.MemoryBytes ?? 0,
                NanoCpus = resources?.NanoCpus ?? 0,
                PidsLimit = resources?.Pids ?? 0,
                Labels = labels,
                StopSignal = c.StopSignal,
                StopTimeout = (int)Math.Ceiling((c.StopGracePeriod?.ToTimeSpan() ?? TimeSpan.FromSeconds(10)).TotalSeconds),
            });
            return record.Id;
        }
        catch (RuntimeException e)
        {
            throw new ExecutorException(e.Message, e);
        }
    }

    public async Task<ContainerStatus> StartAsync(string containerId, CancellationToken ct)
    {
        try
        {
            await runtime.StartAsync(containerId, ct);
        }
        catch (RuntimeException e)
        {
            throw new ExecutorException(e.Message, e);
        }
        var record = runtime.Get(containerId);
        return new ContainerStatus
        {
            ContainerId = containerId,
            Pid = record.State.Pid,
            StartedAt = Timestamp.FromDateTimeOffset(record.State.StartedAt ?? DateTimeOffset.UtcNow),
        };
    }

    public async Task<int> WaitAsync(string containerId, CancellationToken ct) => (await runtime.WaitAsync(containerId, ct)).ExitCode;

    public async System.Threading.Tasks.Task StopAsync(string containerId, TimeSpan grace, CancellationToken ct)
    {
        try
        {
            await runtime.StopAsync(containerId, (int)Math.Ceiling(grace.TotalSeconds), ct);
        }
        catch (RuntimeException e) when (e.Kind == RuntimeError.NotFound)
        {
        }
    }

    public async System.Threading.Tasks.Task RemoveAsync(string containerId, CancellationToken ct)
    {
        try
        {
            await runtime.RemoveAsync(containerId, force: true, removeVolumes: false, ct);
        }
        catch (RuntimeException e) when (e.Kind == RuntimeError.NotFound)
        {
        }
    }

    public async Task<(bool Passed, string Output)> ProbeAsync(string containerId, IReadOnlyList<string> test, TimeSpan timeout, CancellationToken ct)
    {
        // Docker's forms: ["CMD", args…], ["CMD-SHELL", "command"], ["NONE"].
        IReadOnlyList<string> cmd = test.Count > 0 && test[0] == "CMD-SHELL" ? ["/bin/sh", "-c", string.Join(' ', test.Skip(1))]
            : test.Count > 0 && test[0] == "CMD" ? [.. test.Skip(1)]
            : test;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var output = new StringBuilder();
        try
        {
            using var relay = await runtime.ExecAsync(containerId, new ExecOptions(cmd, [], "", "", Tty: false, OpenStdin: false), deadline.Token);
            while (await relay.ReadAsync(deadline.Token) is { } frame)
            {
                if (frame.Type == 'x')
                {
                    return (frame.ExitCode == 0, Trim(output));
                }
                if (output.Length < 4096)
                {
                    output.Append(Encoding.UTF8.GetString(frame.Data));
                }
            }
            return (false, Trim(output));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"Health check exceeded timeout ({timeout.TotalSeconds:0.#}s)");
        }
        catch (RuntimeException e)
        {
            return (false, e.Message);
        }
    }

    public IReadOnlyDictionary<string, (string ContainerId, bool Running)> TaskContainers()
    {
        var result = new Dictionary<string, (string, bool)>(StringComparer.Ordinal);
        foreach (var c in runtime.Store.All())
        {
            if (c.Config.Labels.TryGetValue(TaskLabel, out var taskId))
            {
                result[taskId] = (c.Id, c.State.Running);
            }
        }
        return result;
    }

    public (IReadOnlyList<PortConfig> Ports, IReadOnlyList<string> Addresses) Endpoint(Orch.Api.V1.Objects.Task task, string containerId)
    {
        var record = runtime.Store.All().FirstOrDefault(c => c.Id == containerId); // no throw for a removed container
        return record is null ? ([], [])
            : (TaskPorts.Reported(task, record.HostConfig.Ports), record.Network?.IPAddress is { Length: > 0 } ip ? [ip] : []);
    }

    private static string Trim(StringBuilder s) => s.ToString().Trim();
}
