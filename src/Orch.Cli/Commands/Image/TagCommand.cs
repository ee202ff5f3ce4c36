using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]: silent on success, as docker tag.</summary>
internal sealed class TagCommand : ICommand
{
    public string Name => "image tag";
    public string Summary => "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE";
    public string Usage => "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Parse(args, exactly: 2);
        await ctx.Engine.TagImageAsync(new TagImageRequest { Source = flags.Positionals[0], Target = flags.Positionals[1] }, cancellationToken: ct);
        return 0;
    }
}
