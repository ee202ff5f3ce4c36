using Orch.Api.V1.Objects;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Node;

/// <summary>orch node demote NODE...: "Manager X demoted in the swarm."</summary>
internal sealed class DemoteCommand : ICommand
{
    public string Name => "node demote";
    public string Summary => "Demote one or more nodes from manager in the swarm";
    public string Usage => "NODE [NODE...]";

    public Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct) =>
        RoleChange.RunAsync(ctx, this, args, NodeRole.Worker, ct);
}
