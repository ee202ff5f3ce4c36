using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Image;

/// <summary>orch save [-o FILE] IMAGE...: an OCI layout + docker save tar, to FILE or (redirected) stdout.</summary>
internal sealed class SaveCommand : ICommand
{
    public string Name => "image save";
    public string Summary => "Save one or more images to a tar archive (streamed to STDOUT by default)";
    public string Usage => "[OPTIONS] IMAGE [IMAGE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var output = flags.String("o", "output", "Write to a file, instead of STDOUT");
        flags.Parse(args, atLeast: 1);
        if (output.Value() is null && !Console.IsOutputRedirected)
        {
            throw new CliException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        var request = new SaveImagesRequest();
        request.References.AddRange(flags.Positionals);
        using var call = ctx.Engine.SaveImages(request, cancellationToken: ct);
        var path = output.Value();
        var tmp = path is null ? null : path + ".orch-tmp";
        await using (var sink = tmp is null ? Console.OpenStandardOutput() : File.Create(tmp))
        {
            try
            {
                while (await call.ResponseStream.MoveNext(ct))
                {
                    call.ResponseStream.Current.Data.WriteTo(sink);
                }
            }
            catch
            {
                if (tmp is not null)
                {
                    File.Delete(tmp);
                }
                throw;
            }
        }
        if (tmp is not null)
        {
            File.Move(tmp, path!, overwrite: true);
        }
        return 0;
    }
}
