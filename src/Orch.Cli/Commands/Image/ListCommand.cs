using Orch.Api.V1;
using Orch.Cli.Cli;
using Orch.Cli.Output;

namespace Orch.Cli.Commands.Image;

/// <summary>orch images / orch image ls: Docker's table (REPOSITORY TAG IMAGE ID CREATED SIZE), -q, --digests.</summary>
internal sealed class ListCommand : ICommand
{
    public string Name => "image ls";
    public string Summary => "List images";
    public string Usage => "[OPTIONS] [REPOSITORY[:TAG]]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var all = flags.Bool("a", "all", "Show all images (default hides intermediate images)");
        var quiet = flags.Bool("q", "quiet", "Only show image IDs");
        var digests = flags.Bool(null, "digests", "Show digests");
        var noTrunc = flags.Bool(null, "no-trunc", "Don't truncate output");
        flags.Parse(args, atMost: 1);
        var filter = flags.Positionals.Count == 1 ? SplitTag(flags.Positionals[0]) : default((string Repo, string Tag)?);
        var response = await ctx.Engine.ListImagesAsync(new ListImagesRequest { All = all.On() }, cancellationToken: ct);

        var table = digests.On()
            ? new Table("REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE")
            : new Table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
        foreach (var image in response.Images)
        {
            var id = noTrunc.On() ? image.Id : ShortId(image.Id);
            var names = Names(image);
            foreach (var (repo, tag) in names)
            {
                if (filter is { } f && (f.Repo != repo || (f.Tag != "" && f.Tag != tag)))
                {
                    continue;
                }
                if (quiet.On())
                {
                    ctx.Out.WriteLine(id);
                    continue;
                }
                var created = HumanUnits.Ago(image.CreatedUnix);
                var size = HumanUnits.Size(image.Size);
                if (digests.On())
                {
                    var digest = image.RepoDigests.Select(d => d.Split('@')).FirstOrDefault(d => d[0] == repo)?[1] ?? "<none>";
                    table.Add(repo, tag, digest, id, created, size);
                }
                else
                {
                    table.Add(repo, tag, id, created, size);
                }
            }
        }
        if (!quiet.On())
        {
            table.WriteTo(ctx.Out);
        }
        return 0;
    }

    /// <summary>
    /// One row per tag; an image with no tag but pulled by digest shows its repository with tag
    /// &lt;none&gt; (as Docker does), and only one with neither is &lt;none&gt; &lt;none&gt;.
    /// </summary>
    internal static List<(string Repo, string Tag)> Names(ImageSummary image)
    {
        if (image.RepoTags.Count > 0)
        {
            return [.. image.RepoTags.Select(SplitTag)];
        }
        var repos = image.RepoDigests.Select(d => d.Split('@')[0]).Distinct(StringComparer.Ordinal).ToList();
        return repos.Count > 0 ? [.. repos.Select(r => (r, "<none>"))] : [("<none>", "<none>")];
    }

    /// <summary>"localhost:5000/app:v1" → ("localhost:5000/app", "v1"); the tag is after the last ':' that follows the last '/'.</summary>
    internal static (string Repo, string Tag) SplitTag(string name)
    {
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? (name[..colon], name[(colon + 1)..]) : (name, "");
    }

    internal static string ShortId(string id) => id.StartsWith("sha256:", StringComparison.Ordinal) ? id.Substring(7, Math.Min(12, id.Length - 7)) : id;
}
