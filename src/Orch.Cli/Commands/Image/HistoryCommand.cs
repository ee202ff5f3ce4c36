using System.Globalization;
using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Image;

/// <summary>orch image history: IMAGE CREATED CREATED BY SIZE COMMENT, newest first, as docker history.</summary>
internal sealed class HistoryCommand : ICommand
{
    public string Name => "image history";
    public string Summary => "Show the history of an image";
    public string Usage => "[OPTIONS] IMAGE";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var quiet = flags.Bool("q", "quiet", "Only show image IDs");
        var noTrunc = flags.Bool(null, "no-trunc", "Don't truncate output");
        var human = flags.String("H", "human", "Print sizes and dates in human readable format", "bool");
        flags.Parse(args, exactly: 1);
        var r = await ctx.Engine.ImageHistoryAsync(new InspectImageRequest { Reference = flags.Positionals[0] }, cancellationToken: ct);
        var humanOn = human.ValueOr("true") != "false";
        var table = new Table("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
        foreach (var e in r.Entries)
        {
            var id = e.Id.Length == 0 ? "<missing>" : noTrunc.On() ? e.Id : ListCommand.ShortId(e.Id);
            if (quiet.On())
            {
                ctx.Out.WriteLine(id);
                continue;
            }
            var createdBy = noTrunc.On() || e.CreatedBy.Length <= 45 ? e.CreatedBy : e.CreatedBy[..44] + "…";
            table.Add(id,
                humanOn ? HumanUnits.Ago(e.CreatedUnix) : DateTimeOffset.FromUnixTimeSeconds(e.CreatedUnix).ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
                createdBy,
                humanOn ? HumanUnits.Size(e.Size) : e.Size.ToString(CultureInfo.InvariantCulture),
                e.Comment);
        }
        if (!quiet.On())
        {
            table.WriteTo(ctx.Out);
        }
        return 0;
    }
}
