using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>The Control client over orchd's socket (orchd forwards to its manager), and shared helpers.</summary>
internal static class ServiceClient
{
    public static Control.ControlClient Control(this CliContext ctx) => new(ctx.Channel);

    /// <summary>The manager's warnings (trailer "warning", e.g. an image it could not pin), on stderr as docker/cli prints them.</summary>
    public static void PrintWarnings(CliContext ctx, Metadata trailers)
    {
        foreach (var w in trailers.Where(e => e.Key == "warning" && !e.IsBinary))
        {
            ctx.Err.WriteLine(w.Value);
        }
    }

    /// <summary>Per-argument failures are printed and the rest carry on (Docker's rm/inspect); not for a dead daemon.</summary>
    public static bool IsPerItem(RpcException e) => e.StatusCode is not (StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Unimplemented);
}
