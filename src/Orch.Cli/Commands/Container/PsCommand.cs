using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch ps [-a] [-q] [--no-trunc]: Docker's table.</summary>
internal sealed class PsCommand : ICommand
{
    public string Name => "container ls";
    public string Summary => "List containers";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var all = flags.Bool("a", "all", "Show all containers (default shows just running)");
        var quiet = flags.Bool("q", "quiet", "Only display container IDs");
        var noTrunc = flags.Bool(null, "no-trunc", "Don't truncate output");
        flags.Parse(args, atMost: 0);
        var r = await ctx.Engine.ListContainersAsync(new ListContainersRequest { All = all.On() }, cancellationToken: ct);
        if (quiet.On())
        {
            foreach (var c in r.Containers)
            {
                ctx.Out.WriteLine(noTrunc.On() ? c.Id : c.Id[..12]);
            }
            return 0;
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var rows = new List<string[]> { new[] { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES" } };
        foreach (var c in r.Containers)
        {
            var cmd = noTrunc.On() || c.Command.Length <= 20 ? c.Command : c.Command[..19] + "…";
            rows.Add([noTrunc.On() ? c.Id : c.Id[..12], c.Image, $"\"{cmd}\"", Ago(now - c.CreatedUnix) + " ago", c.Status, Ports(c), c.Name]);
        }
        Table.Write(ctx.Out, rows);
        return 0;
    }

    private static string Ports(ContainerSummary c) => string.Join(", ", c.Ports.Select(p =>
        $"{(p.HostIp.Length > 0 ? p.HostIp : "0.0.0.0")}:{p.HostPort}->{p.ContainerPort}/{p.Protocol}"));

    private static string Ago(long seconds) => seconds switch
    {
        < 1 => "Less than a second",
        1 => "1 second",
        < 60 => $"{seconds} seconds",
        < 120 => "About a minute",
        < 3600 => $"{seconds / 60} minutes",
        < 7200 => "About an hour",
        < 172800 => $"{seconds / 3600} hours",
        _ => $"{seconds / 86400} days",
    };
}
