using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Volume;

/// <summary>orch volume ls [-q]: Docker's "DRIVER    VOLUME NAME" table, in natural name order.</summary>
internal sealed class LsCommand : ICommand
{
    public string Name => "volume ls";
    public string Summary => "List volumes";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var quiet = flags.Bool("q", "quiet", "Only display volume names");
        flags.Parse(args, atMost: 0);
        var list = await ctx.Engine.ListVolumesAsync(new Empty(), cancellationToken: ct);
        var volumes = list.Volumes.ToList();
        volumes.Sort((a, b) => NaturalOrder.Compare(a.Name, b.Name));
        if (quiet.On())
        {
            foreach (var v in volumes)
            {
                ctx.Out.WriteLine(v.Name);
            }
            return 0;
        }
        // docker/cli's tabwriter: minimum cell width 10, padding 3; the last column is not padded.
        var width = Math.Max(10, volumes.Select(v => v.Driver.Length).Append("DRIVER".Length).Max() + 3);
        ctx.Out.WriteLine("DRIVER".PadRight(width) + "VOLUME NAME");
        foreach (var v in volumes)
        {
            ctx.Out.WriteLine(v.Driver.PadRight(width) + v.Name);
        }
        return 0;
    }
}
