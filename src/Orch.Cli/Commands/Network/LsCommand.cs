using System.Text;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Network;

/// <summary>orch network ls: the node's networks, in docker network ls's table (or ids only with -q).</summary>
internal sealed class LsCommand : ICommand
{
    public string Name => "network ls";
    public string Summary => "List networks";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var quiet = flags.Bool("q", "quiet", "Only display network IDs");
        var noTrunc = flags.Bool(null, "no-trunc", "Do not truncate the output");
        flags.Parse(args, atMost: 0);
        var response = await ctx.Engine.ListNetworksAsync(new Empty(), cancellationToken: ct);
        var rows = response.Networks.OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new[] { noTrunc.On() ? n.Id : n.Id[..Math.Min(12, n.Id.Length)], n.Name, n.Driver, n.Scope })
            .ToList();
        if (quiet.On())
        {
            foreach (var r in rows)
            {
                ctx.Out.WriteLine(r[0]);
            }
            return 0;
        }
        ctx.Out.Write(Table(["NETWORK ID", "NAME", "DRIVER", "SCOPE"], rows));
        return 0;
    }

    /// <summary>Docker's tabwriter settings: minimum cell width 10, padding 3, last column unpadded.</summary>
    internal static string Table(string[] header, IReadOnlyList<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, i) => Math.Max(10, all.Max(r => r[i].Length) + 3)).ToArray();
        var sb = new StringBuilder();
        foreach (var r in all)
        {
            for (var i = 0; i < r.Length; i++)
            {
                sb.Append(i == r.Length - 1 ? r[i] : r[i].PadRight(widths[i]));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
