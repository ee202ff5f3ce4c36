using Grpc.Core;
using Orch.Api.V1;
using NodeSpec = Orch.Api.V1.Objects.NodeSpec;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Node;

/// <summary>
/// Read a node, change a copy of its spec, write it back with the version read (docker/cli's updateNodes).
/// A version conflict means someone else wrote the node in between: read again and re-apply, once.
/// </summary>
internal static class NodeSpecUpdate
{
    /// <param name="change">Edits the spec; returns false when there is nothing to write (e.g. already a manager).</param>
    /// <returns>Whether an update was written.</returns>
    public static async Task<bool> ApplyAsync(CliContext ctx, string id, Func<NodeSpec, bool> change, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var node = await ctx.Control.InspectNodeAsync(new InspectNodeRequest { Id = id }, cancellationToken: ct);
            var spec = node.Spec?.Clone() ?? new NodeSpec();
            if (!change(spec))
            {
                return false;
            }
            try
            {
                await ctx.Control.UpdateNodeAsync(new UpdateNodeRequest { Id = id, Version = node.Meta?.Version ?? 0, Spec = spec }, cancellationToken: ct);
                return true;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && attempt == 0)
            {
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> for each NODE argument; errors are printed after the loop, as docker/cli
    /// collects them; exit 1 if any failed.
    /// </summary>
    public static async Task<int> ForEachAsync(CliContext ctx, IEnumerable<string> args, Func<NodeResolver, string, Task> action, CancellationToken ct)
    {
        var resolver = new NodeResolver(ctx);
        var errors = new List<string>();
        foreach (var arg in args)
        {
            try
            {
                await action(resolver, arg);
            }
            catch (NodeNotFoundException e)
            {
                errors.Add("Error response from daemon: " + e.Message);
            }
            catch (CliException e)
            {
                errors.Add(e.Message);
            }
            catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled))
            {
                errors.Add(ctx.Describe(e));
            }
        }
        foreach (var e in errors)
        {
            ctx.Err.WriteLine(e);
        }
        _ = ct;
        return errors.Count == 0 ? 0 : 1;
    }
}
