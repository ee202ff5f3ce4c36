using Grpc.Core;
using Orch.Api.V1.Objects;

namespace Orch.Manager.Control;

/// <summary>Maps a rejected command to the gRPC status the control API documents.</summary>
internal static class CommandErrors
{
    public static void ThrowIfFailed(CommandResult result)
    {
        var code = result.Error switch
        {
            CommandErrorCode.None => StatusCode.OK,
            CommandErrorCode.NotFound => StatusCode.NotFound,
            CommandErrorCode.AlreadyExists => StatusCode.AlreadyExists,
            CommandErrorCode.Conflict => StatusCode.FailedPrecondition,
            _ => StatusCode.InvalidArgument,
        };
        if (code != StatusCode.OK)
        {
            throw new RpcException(new Status(code, result.Message));
        }
    }
}
