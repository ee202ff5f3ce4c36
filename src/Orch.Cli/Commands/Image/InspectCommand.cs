using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch image inspect: Docker's JSON array of image objects; unknown names are errors after the array.</summary>
internal sealed class InspectCommand : ICommand
{
    public string Name => "image inspect";
    public string Summary => "Display detailed information on one or more images";
    public string Usage => "[OPTIONS] IMAGE [IMAGE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Parse(args, atLeast: 1);
        var objects = new List<string>();
        var errors = new List<string>();
        foreach (var reference in flags.Positionals)
        {
            try
            {
                var r = await ctx.Engine.InspectImageAsync(new InspectImageRequest { Reference = reference }, cancellationToken: ct);
                objects.Add(r.Json);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                errors.Add("Error: " + e.Status.Detail);
            }
        }
        ctx.Out.WriteLine(objects.Count == 0 ? "[]" : "[\n" + string.Join(",\n", objects.Select(Indent)) + "\n]");
        foreach (var e in errors)
        {
            ctx.Err.WriteLine(e);
        }
        return errors.Count == 0 ? 0 : 1;
    }

    private static string Indent(string json) => string.Join('\n', json.Split('\n').Select(l => "    " + l));
}
