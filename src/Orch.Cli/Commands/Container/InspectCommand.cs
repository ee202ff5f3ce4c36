using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch inspect NAME...: a JSON array of Docker-shaped objects (containers, else images).</summary>
internal sealed class InspectCommand : ICommand
{
    public string Name => "container inspect";
    public string Summary => "Display detailed information on one or more containers";
    public string Usage => "[OPTIONS] NAME|ID [NAME|ID...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Parse(args, atLeast: 1);
        var docs = new List<string>();
        var failed = false;
        foreach (var id in flags.Positionals)
        {
            try
            {
                docs.Add((await ctx.Engine.InspectContainerAsync(new ContainerRef { Id = id }, cancellationToken: ct)).Json);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                try
                {
                    docs.Add((await ctx.Engine.InspectImageAsync(new InspectImageRequest { Reference = id }, cancellationToken: ct)).Json);
                }
                catch (RpcException)
                {
                    ctx.Err.WriteLine($"Error: No such object: {id}");
                    failed = true;
                }
            }
        }
        var indented = docs.Select(d => "    " + d.Replace("\n", "\n    ", StringComparison.Ordinal));
        ctx.Out.WriteLine("[\n" + string.Join(",\n", indented) + "\n]");
        return failed ? 1 : 0;
    }
}
