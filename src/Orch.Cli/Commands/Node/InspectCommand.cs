using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;
using NodeObject = Orch.Api.V1.Objects.Node;

namespace Orch.Cli.Commands.Node;

/// <summary>orch node inspect [--pretty] NODE...: Docker-shaped JSON, or docker/cli's human layout with --pretty.</summary>
internal sealed class InspectCommand : ICommand
{
    public string Name => "node inspect";
    public string Summary => "Display detailed information on one or more nodes";
    public string Usage => "[OPTIONS] self|NODE [NODE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var pretty = flags.Bool(null, "pretty", "Print the information in a human friendly format");
        flags.Parse(args, atLeast: 1);
        var resolver = new NodeResolver(ctx);
        var nodes = new List<NodeObject>();
        var errors = new List<string>();
        foreach (var arg in flags.Positionals)
        {
            try
            {
                var id = await resolver.ResolveAsync(arg, ct);
                nodes.Add(await ctx.Control.InspectNodeAsync(new InspectNodeRequest { Id = id }, cancellationToken: ct));
            }
            catch (NodeNotFoundException)
            {
                errors.Add($"Error: No such node: {arg}");
            }
        }
        var managers = ManagerView.From(await resolver.ListAsync(ct));
        if (pretty.On())
        {
            ctx.Out.Write(string.Join("\n\n", nodes.Select(n => NodePretty.Render(n, managers))));
            if (nodes.Count > 0)
            {
                ctx.Out.WriteLine();
            }
        }
        else
        {
            ctx.Out.WriteLine(InspectJson.Array(nodes, (w, n) => NodeJson.Write(w, n, managers)));
        }
        foreach (var e in errors)
        {
            ctx.Err.WriteLine(e);
        }
        return errors.Count == 0 ? 0 : 1;
    }
}
