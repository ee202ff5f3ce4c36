using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch rmi / orch image rm: "Untagged: …" and "Deleted: …" lines; goes on after a failure and exits 1.</summary>
internal sealed class RemoveCommand : ICommand
{
    public string Name => "image rm";
    public string Summary => "Remove one or more images";
    public string Usage => "[OPTIONS] IMAGE [IMAGE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var force = flags.Bool("f", "force", "Force removal of the image");
        _ = flags.Bool(null, "no-prune", "Do not delete untagged parents");
        flags.Parse(args, atLeast: 1);
        var rc = 0;
        foreach (var reference in flags.Positionals)
        {
            try
            {
                var r = await ctx.Engine.RemoveImageAsync(new RemoveImageRequest { Reference = reference, Force = force.On() }, cancellationToken: ct);
                foreach (var u in r.Untagged)
                {
                    ctx.Out.WriteLine("Untagged: " + u);
                }
                foreach (var d in r.Deleted)
                {
                    ctx.Out.WriteLine("Deleted: " + d);
                }
            }
            catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled))
            {
                ctx.Err.WriteLine(ctx.Describe(e));
                rc = 1;
            }
        }
        return rc;
    }
}
