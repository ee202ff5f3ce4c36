using System.Globalization;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch logs [-f] [--tail N] [-t] CONTAINER</summary>
internal sealed class LogsCommand : ICommand
{
    public string Name => "container logs";
    public string Summary => "Fetch the logs of a container";
    public string Usage => "[OPTIONS] CONTAINER";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        var follow = flags.Bool("f", "follow", "Follow log output");
        var tail = flags.String("n", "tail", "Number of lines to show from the end of the logs (default \"all\")");
        var timestamps = flags.Bool("t", "timestamps", "Show timestamps");
        flags.Parse(args, exactly: 1);
        var request = new LogsRequest { Id = flags.Positionals[0], Follow = follow.On(), Timestamps = timestamps.On() };
        if (tail.Value() is { } t && t != "all")
        {
            request.Tail = int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
                : throw new UsageException($"invalid argument \"{t}\" for \"-n, --tail\" flag", "logs");
            request.HasTail = true;
        }
        using var call = ctx.Engine.Logs(request, cancellationToken: ct);
        var stdout = Console.OpenStandardOutput();
        var stderr = Console.OpenStandardError();
        await foreach (var f in call.ResponseStream.ReadAllAsync(ct))
        {
            var target = f.Stream == 2 ? stderr : stdout;
            if (timestamps.On())
            {
                var time = DateTimeOffset.UnixEpoch.AddTicks(f.TimeUnixNano / 100);
                var prefix = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture) + (f.TimeUnixNano % 100).ToString("00", CultureInfo.InvariantCulture) + "Z ";
                await target.WriteAsync(global::System.Text.Encoding.UTF8.GetBytes(prefix), ct);
            }
            await target.WriteAsync(f.Data.Memory, ct);
            await target.FlushAsync(ct);
        }
        return 0;
    }
}
