using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch rmi / orch image rm: "Untagged: …" and "Deleted: …" lines; goes on after a failure and exits 1.</summary>
internal sealed class RemoveCommand : ICommand
{
    public string Name => "image rm";
    public string Summary => "Remove one or more images";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(Name);
        var force = flags.Bool("f", "force", "Force removal of the image");
        _ = flags.Bool(null, "no-prune", "Do not delete untagged parents");
        var help = flags.Bool("h", "help", "Print usage");
        flags.Parse(args);
        if (help.On())
        {
            ctx.Out.WriteLine("Usage:  orch rmi [OPTIONS] IMAGE [IMAGE...]\n\n" + Summary + "\n\nOptions:\n" + flags.Help());
            return 0;
        }
        if (flags.Positionals.Count == 0)
        {
            throw new UsageException("\"rmi\" requires at least 1 argument.", Name);
        }
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
