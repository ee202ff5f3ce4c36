using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Node;

/// <summary>orch node promote NODE...: "Node X promoted to a manager in the swarm."</summary>
internal sealed class PromoteCommand : ICommand
{
    public string Name => "node promote";
    public string Summary => "Promote one or more nodes to manager in the swarm";
    public string Usage => "NODE [NODE...]";

    public Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct) =>
        RoleChange.RunAsync(ctx, this, args, NodeRole.Manager, ct);
}
