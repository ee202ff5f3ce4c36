using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Volume;

/// <summary>orch volume inspect VOLUME...: a JSON array of Docker-shaped objects; unknown names go to stderr, exit 1.</summary>
internal sealed class InspectCommand : ICommand
{
    public string Name => "volume inspect";
    public string Summary => "Display detailed information on one or more volumes";
    public string Usage => "[OPTIONS] VOLUME [VOLUME...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Parse(args, atLeast: 1);
        var objects = new List<string>();
        var errors = new List<string>();
        foreach (var name in flags.Positionals)
        {
            try
            {
                objects.Add((await ctx.Engine.InspectVolumeAsync(new VolumeRef { Name = name }, cancellationToken: ct)).Json);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                errors.Add($"Error: No such volume: {name}");
            }
        }
        // As docker: each object indented one level inside the array.
        var body = string.Join(",\n", objects.Select(o => string.Join('\n', o.Split('\n').Select(l => "    " + l))));
        ctx.Out.WriteLine(objects.Count == 0 ? "[]" : "[\n" + body + "\n]");
        foreach (var e in errors)
        {
            ctx.Err.WriteLine(e);
        }
        return errors.Count == 0 ? 0 : 1;
    }
}
