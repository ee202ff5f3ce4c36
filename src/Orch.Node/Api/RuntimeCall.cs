using System.Globalization;
using Grpc.Core;
using Orch.Engine.Runtime;

namespace Orch.Node.Api;

/// <summary>
/// Maps runtime failures to gRPC statuses (engine.proto's contract) and carries the exit code a
/// `run` must end with in the "orch-exit-code" trailer.
/// </summary>
internal static class RuntimeCall
{
    public const string ExitCodeTrailer = "orch-exit-code";

    public static async Task<T> Run<T>(Func<Task<T>> body)
    {
        try
        {
            return await body();
        }
        catch (RuntimeException e)
        {
            var code = e.Kind switch
            {
                RuntimeError.InvalidArgument => StatusCode.InvalidArgument,
                RuntimeError.NotFound => StatusCode.NotFound,
                RuntimeError.AlreadyExists => StatusCode.AlreadyExists,
                RuntimeError.FailedPrecondition => StatusCode.FailedPrecondition,
                _ => StatusCode.Internal,
            };
            throw new RpcException(new Status(code, e.Message),
                new Metadata { { ExitCodeTrailer, e.ExitCode.ToString(CultureInfo.InvariantCulture) } });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Orch.Engine.Runtime.Cgroups.CgroupException
                                   or Orch.Engine.Network.NetworkException)
        {
            throw new RpcException(new Status(StatusCode.Internal, e.Message),
                new Metadata { { ExitCodeTrailer, "125" } });
        }
    }
}
