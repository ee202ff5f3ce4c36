using Orch.Api.V1.Objects;

namespace Orch.Agent.Execution;

/// <summary>
/// How the agent runs a task on this node — the seam between the cluster's view of a task and
/// the engine's containers. Contract: one container per task, labelled with the task id so that
/// a restarted agent finds its tasks again; every call is idempotent for the same task.
/// </summary>
internal interface IExecutor
{
    /// <summary>Makes the image available (pulling it if needed) and creates the task's container; returns its id.</summary>
    /// <exception cref="ExecutorException">The task cannot run here (unknown image, bad spec); the message says why.</exception>
    Task<string> PrepareAsync(Orch.Api.V1.Objects.Task task, CancellationToken ct);

    /// <summary>Starts the container; returns what the status should say about it.</summary>
    Task<ContainerStatus> StartAsync(string containerId, CancellationToken ct);

    /// <summary>Completes with the exit code when the container's process ends.</summary>
    Task<int> WaitAsync(string containerId, CancellationToken ct);

    /// <summary>Stops the container (its stop signal, then SIGKILL after <paramref name="grace"/>).</summary>
    System.Threading.Tasks.Task StopAsync(string containerId, TimeSpan grace, CancellationToken ct);

    /// <summary>Removes the container and what it holds; a missing container is fine.</summary>
    System.Threading.Tasks.Task RemoveAsync(string containerId, CancellationToken ct);

    /// <summary>Runs the task's health check command once in the container: (passed, output).</summary>
    Task<(bool Passed, string Output)> ProbeAsync(string containerId, IReadOnlyList<string> test, TimeSpan timeout, CancellationToken ct);

    /// <summary>The task's ports as bound on this node and its container addresses, for the load balancers (empty when unknown).</summary>
    (IReadOnlyList<PortConfig> Ports, IReadOnlyList<string> Addresses) Endpoint(Orch.Api.V1.Objects.Task task, string containerId) => ([], []);

    /// <summary>Task containers on this node: task id → (container id, running).</summary>
    IReadOnlyDictionary<string, (string ContainerId, bool Running)> TaskContainers();
}

/// <summary>A task that cannot be run on this node, with the reason for the task's ERROR column.</summary>
internal sealed class ExecutorException(string message, Exception? inner = null) : Exception(message, inner);
