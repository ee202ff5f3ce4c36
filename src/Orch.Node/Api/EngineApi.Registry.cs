using System.Threading.Channels;
using Grpc.Core;
using Orch.Api.V1;
using Orch.Engine.Images;
using Orch.Engine.Registry;

namespace Orch.Node.Api;

/// <summary>Pull and push: engine progress (from parallel layer transfers) funnelled into one response stream.</summary>
internal sealed partial class EngineApi
{
    public override Task PullImage(TransferRequest request, IServerStreamWriter<TransferMessage> responseStream, ServerCallContext context) =>
        TransferAsync(responseStream, context, p => images.PullAsync(request.Reference, p, context.CancellationToken));

    public override Task PushImage(TransferRequest request, IServerStreamWriter<TransferMessage> responseStream, ServerCallContext context) =>
        TransferAsync(responseStream, context, p => images.PushAsync(request.Reference, p, context.CancellationToken));

    public override async Task<Empty> Login(LoginRequest request, ServerCallContext context)
    {
        try
        {
            await images.LoginAsync(request.Registry, request.Username, request.Password, context.CancellationToken);
            return new Empty();
        }
        catch (Exception e) when (TransferStatus.Map(e) is { } status)
        {
            throw new RpcException(status);
        }
    }

    public override Task<LogoutResponse> Logout(LogoutRequest request, ServerCallContext context) =>
        Task.FromResult(new LogoutResponse { Removed = images.Credentials.Remove(request.Registry) });

    private static async Task TransferAsync(IServerStreamWriter<TransferMessage> stream, ServerCallContext context,
        Func<Func<TransferProgress, ValueTask>, Task<string>> transfer)
    {
        // gRPC forbids concurrent writes; layers report from several tasks, so a channel serialises them.
        var channel = Channel.CreateUnbounded<TransferMessage>(new UnboundedChannelOptions { SingleReader = true });
        var work = Task.Run(async () =>
        {
            try
            {
                var result = await transfer(p => channel.Writer.WriteAsync(
                    new TransferMessage { Id = p.Id, Status = p.Status, Current = p.Current, Total = p.Total }, context.CancellationToken));
                await channel.Writer.WriteAsync(new TransferMessage { Result = result }, context.CancellationToken);
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        });
        await foreach (var m in channel.Reader.ReadAllAsync(context.CancellationToken).WithStatus())
        {
            await stream.WriteAsync(m, context.CancellationToken);
        }
        await work;
    }
}

/// <summary>Maps an engine failure inside the progress stream to the proto's status codes.</summary>
internal static class TransferStatus
{
    public static async IAsyncEnumerable<T> WithStatus<T>(this IAsyncEnumerable<T> source)
    {
        await using var e = source.GetAsyncEnumerator();
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync())
                {
                    yield break;
                }
            }
            catch (Exception ex) when (Map(ex) is { } status)
            {
                throw new RpcException(status);
            }
            yield return e.Current;
        }
    }

    public static Status? Map(Exception e) => e switch
    {
        ImageNotFoundException => new Status(StatusCode.NotFound, e.Message),
        RegistryException { Status: System.Net.HttpStatusCode.NotFound } => new Status(StatusCode.NotFound, e.Message),
        RegistryException { Status: System.Net.HttpStatusCode.Unauthorized } => new Status(StatusCode.Unauthenticated, e.Message),
        RegistryException { Status: null } => new Status(StatusCode.Unavailable, e.Message),
        RegistryException => new Status(StatusCode.FailedPrecondition, e.Message),
        ArgumentException or InvalidDataException or DigestMismatchException or Orch.Engine.Images.Layers.LayerEntryException
            or System.Text.Json.JsonException => new Status(StatusCode.InvalidArgument, e.Message),
        IOException => new Status(StatusCode.Internal, e.Message),
        _ => null,
    };
}
