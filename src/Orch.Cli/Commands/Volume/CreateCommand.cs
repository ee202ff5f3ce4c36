using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Volume;

/// <summary>orch volume create [OPTIONS] [VOLUME]: prints the volume's name (a random one when none is given).</summary>
internal sealed class CreateCommand : ICommand
{
    public string Name => "volume create";
    public string Summary => "Create a volume";
    public string Usage => "[OPTIONS] [VOLUME]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var driver = flags.String("d", "driver", "Specify volume driver name (only \"local\")");
        var label = flags.String(null, "label", "Set metadata for a volume", "list");
        var nameFlag = flags.String(null, "name", "Specify volume name");
        flags.Parse(args, atMost: 1);
        var name = flags.Positionals.Count == 1 ? flags.Positionals[0] : nameFlag.ValueOr("");
        if (flags.Positionals.Count == 1 && nameFlag.Set && nameFlag.Value() != name)
        {
            throw new UsageException($"conflicting options: either specify --name or provide positional arg, not both", Name);
        }
        if (driver.ValueOr("local") != "local")
        {
            throw new CliException($"Error response from daemon: create {name}: error looking up volume plugin {driver.Value()}: plugin \"{driver.Value()}\" not found");
        }
        var request = new CreateVolumeRequest { Name = name };
        foreach (var l in label.Values)
        {
            var eq = l.IndexOf('=', StringComparison.Ordinal);
            request.Labels[eq < 0 ? l : l[..eq]] = eq < 0 ? "" : l[(eq + 1)..];
        }
        var v = await ctx.Engine.CreateVolumeAsync(request, cancellationToken: ct);
        ctx.Out.WriteLine(v.Name);
        return 0;
    }
}
