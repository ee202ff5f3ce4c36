using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch image inspect: Docker's JSON array of image objects; unknown names are errors after the array.</summary>
internal sealed class InspectCommand : ICommand
{
    public string Name => "image inspect";
    public string Summary => "Display detailed information on one or more images";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (help.On())
        {
            ctx.Out.WriteLine("Usage:  orch image inspect IMAGE [IMAGE...]\n\n" + Summary);
            return 0;
        }
        if (flags.Positionals.Count == 0)
        {
            throw new UsageException("\"inspect\" requires at least 1 argument.", Name);
        }
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
