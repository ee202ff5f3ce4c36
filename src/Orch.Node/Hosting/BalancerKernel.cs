using System.Net;
using Orch.Engine.Network;

namespace Orch.Node.Hosting;

/// <summary>
/// The load balancer's kernel fast path wired to this node: iptables through the engine's host command helper
/// (the same `iptables-restore --noflush --wait` transactions the bridge's rules use), chains named after the
/// bridge (ORCH-&lt;bridge&gt;-L…, beside the engine's ORCH-&lt;bridge&gt;…), and the agent's view of its tasks.
/// </summary>
internal static class BalancerKernel
{
    /// <summary>The fast path's tc program, installed next to orchd by deploy/build.sh.</summary>
    public const string FastPathObject = "lb_fastpath.bpf.o";

    public static Orch.LoadBalancer.KernelPathOptions Options(string bridge, Swarm.SwarmController swarm, Orch.Agent.Worker.LocalTasks local, NodeOptions node) => new()
    {
        RemoteTasks = node.LbRemoteKernel,
        FastPathObject = node.LbFastPath ? Path.Combine(AppContext.BaseDirectory, FastPathObject) : null,
        StateDirectory = node.ExecRoot,
        Bridge = bridge,
        RunCommand = (file, args, ct) => HostCommand.RunAsync(file, args, null, ct),
        ChainPrefix = "ORCH-" + bridge,
        Comment = $"orch:{bridge}:lb",
        Iptables = new Iptables(),
        LocalTasks = new Tasks(swarm, local),
    };

    private sealed class Iptables : Orch.LoadBalancer.IIptables
    {
        public Task<string> SaveAsync(CancellationToken ct) => HostCommand.RunAsync("iptables-save", ["-c"], null, ct);

        public Task RestoreAsync(string script, CancellationToken ct) => HostCommand.RestoreAsync(script, ct);
    }

    private sealed class Tasks(Swarm.SwarmController swarm, Orch.Agent.Worker.LocalTasks local) : Orch.LoadBalancer.ILocalTasks
    {
        public string NodeId => swarm.State?.NodeId ?? "";

        public (bool Withdrawn, IPAddress? Address) Task(string taskId) => local.Get(taskId);

        public event Action? Changed
        {
            add => local.Changed += value;
            remove => local.Changed -= value;
        }
    }
}
