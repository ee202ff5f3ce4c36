using System.Net;

namespace Orch.LoadBalancer;

/// <summary>
/// What the balancer's kernel fast path needs from this node's agent: which node this is, and for a task
/// running here the address of its container — only while the task takes new connections (the agent
/// withdraws it the moment it starts draining or stopping it, or its container exits).
/// </summary>
public interface ILocalTasks
{
    /// <summary>This node's id in the swarm (empty outside one).</summary>
    string NodeId { get; }

    /// <summary>
    /// What the agent says of task <paramref name="taskId"/>: <c>Withdrawn</c> once it started draining or stopping
    /// it or its container exited (no new connection from any path, even before the table says so); <c>Address</c>
    /// its container's address while it takes new connections. (false, null): the agent does not know the task
    /// (not this node's, or not reported yet): the endpoint table alone decides.
    /// </summary>
    (bool Withdrawn, IPAddress? Address) Task(string taskId);

    /// <summary>Raised after a task starts or stops taking new connections on this node.</summary>
    event Action? Changed;
}
