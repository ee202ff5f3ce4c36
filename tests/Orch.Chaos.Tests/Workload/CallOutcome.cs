using System.Net.Sockets;
using Grpc.Core;
using Orch.Chaos.Tests.Checking;

namespace Orch.Chaos.Tests.Workload;

/// <summary>
/// Maps a failed write call to <see cref="Outcome.Failed"/> (certainly not applied) or <see cref="Outcome.Unknown"/>.
/// Failed: the cluster's definite refusals (the control API's INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
/// FAILED_PRECONDITION: checked before proposing, or rejected at apply, which changes nothing), and a call that
/// never reached a daemon (its socket missing or refusing). Everything else is Unknown: "no quorum" and
/// timeouts come after the command may have been appended to the leader's log, and a new leader may still
/// commit it; a daemon killed in mid-call may have applied it.
/// </summary>
internal static class CallOutcome
{
    public static Outcome Of(Exception e) => e switch
    {
        RpcException { StatusCode: StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.FailedPrecondition } => Outcome.Failed,
        RpcException { StatusCode: StatusCode.Unavailable } r when NeverConnected(r.Status.DebugException) => Outcome.Failed,
        _ => Outcome.Unknown,
    };

    public static string Describe(Exception e) => e is RpcException r ? $"{r.StatusCode}: {r.Status.Detail}" : $"{e.GetType().Name}: {e.Message}";

    // connect(2) on the unix socket failed: ENOENT (no daemon made it) or ECONNREFUSED (nobody listens).
    private static bool NeverConnected(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.AddressNotAvailable })
            {
                return true;
            }
        }
        return false;
    }
}
