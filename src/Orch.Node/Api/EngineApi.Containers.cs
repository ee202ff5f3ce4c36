using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orch.Api.V1;
using Orch.Engine.Runtime;

namespace Orch.Node.Api;

/// <summary>Container RPCs: proto in, ContainerRuntime call, proto out. Errors via <see cref="RuntimeCall"/>.</summary>
internal sealed partial class EngineApi
{
    private static ContainerRuntime Runtime(ServerCallContext ctx) =>
        ctx.GetHttpContext().RequestServices.GetRequiredService<ContainerRuntime>();

    public override Task<CreateContainerResponse> CreateContainer(CreateContainerRequest request, ServerCallContext context) =>
        RuntimeCall.Run(() =>
        {
            var c = Runtime(context).Create(ContainerSpecs.ToOptions(request));
            return Task.FromResult(new CreateContainerResponse { Id = c.Id });
        });

    public override Task<Empty> StartContainer(ContainerRef request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            await Runtime(context).StartAsync(request.Id, context.CancellationToken);
            return new Empty();
        });

    public override Task<Empty> StopContainer(StopContainerRequest request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            await Runtime(context).StopAsync(request.Id, request.HasTimeout ? request.Timeout : null, context.CancellationToken);
            return new Empty();
        });

    public override Task<Empty> RestartContainer(StopContainerRequest request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            await Runtime(context).RestartAsync(request.Id, request.HasTimeout ? request.Timeout : null, context.CancellationToken);
            return new Empty();
        });

    public override Task<Empty> KillContainer(KillContainerRequest request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            await Runtime(context).KillAsync(request.Id, request.Signal, context.CancellationToken);
            return new Empty();
        });

    public override Task<Empty> RemoveContainer(RemoveContainerRequest request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            await Runtime(context).RemoveAsync(request.Id, request.Force, request.Volumes, context.CancellationToken);
            return new Empty();
        });

    public override Task<ListContainersResponse> ListContainers(ListContainersRequest request, ServerCallContext context) =>
        RuntimeCall.Run(() =>
        {
            var now = DateTimeOffset.UtcNow;
            var response = new ListContainersResponse();
            foreach (var c in Runtime(context).Store.All().Where(c => request.All || c.State.Running))
            {
                var s = new ContainerSummary
                {
                    Id = c.Id,
                    Name = c.Name,
                    Image = c.Image,
                    Command = string.Join(' ', c.Config.Argv),
                    CreatedUnix = c.Created.ToUnixTimeSeconds(),
                    State = c.State.Status,
                    Status = ContainerInspector.Status(c, now),
                };
                s.Ports.AddRange(c.HostConfig.Ports.Select(p => new PortMapping
                {
                    HostIp = p.HostIp, HostPort = (uint)p.HostPort, ContainerPort = (uint)p.ContainerPort, Protocol = p.Protocol,
                }));
                response.Containers.Add(s);
            }
            return Task.FromResult(response);
        });

    public override Task<InspectResponse> InspectContainer(ContainerRef request, ServerCallContext context) =>
        RuntimeCall.Run(() =>
        {
            var rt = Runtime(context);
            var c = rt.Get(request.Id);
            return Task.FromResult(new InspectResponse { Json = rt.Inspect(c) });
        });

    public override Task<WaitContainerResponse> WaitContainer(ContainerRef request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            var (code, oom) = await Runtime(context).WaitAsync(request.Id, context.CancellationToken);
            return new WaitContainerResponse { ExitCode = code, OomKilled = oom };
        });

    public override Task<PruneResponse> PruneContainers(Empty request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            var response = new PruneResponse();
            response.Deleted.AddRange(await Runtime(context).PruneAsync(context.CancellationToken));
            return response;
        });

    public override Task<ContainerStatsResponse> ContainerStats(ContainerRef request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            var s = await Runtime(context).StatsAsync(request.Id, context.CancellationToken);
            return new ContainerStatsResponse
            {
                Id = s.Id, Name = s.Name, CpuUsageNanos = s.CpuUsageNanos, CpuPercent = s.CpuPercent, MemoryUsage = s.MemoryUsage,
                MemoryLimit = s.MemoryLimit, Pids = s.Pids, NetRx = s.NetRx, NetTx = s.NetTx,
            };
        });

    public override Task Logs(LogsRequest request, IServerStreamWriter<LogFrame> responseStream, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            var rt = Runtime(context);
            var c = rt.Get(request.Id);
            var tail = request.HasTail && request.Tail >= 0 ? request.Tail : (int?)null;
            await foreach (var e in LogReader.ReadAsync(rt.LogPath(c.Id), tail, request.Follow, () => c.State.Running, context.CancellationToken))
            {
                await responseStream.WriteAsync(new LogFrame
                {
                    Stream = e.Stream,
                    Data = ByteString.CopyFrom(e.Data),
                    TimeUnixNano = (e.Time.ToUnixTimeMilliseconds() * 1_000_000) + (e.Time.Ticks % TimeSpan.TicksPerMillisecond * 100),
                });
            }
            return true;
        });

    public override Task Attach(IAsyncStreamReader<StdioRequest> requestStream, IServerStreamWriter<StdioFrame> responseStream, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            var ct = context.CancellationToken;
            if (!await requestStream.MoveNext(ct) || requestStream.Current.MsgCase != StdioRequest.MsgOneofCase.Attach)
            {
                throw new RuntimeException(RuntimeError.InvalidArgument, "first Attach message must name the container");
            }
            var rt = Runtime(context);
            var id = rt.Get(requestStream.Current.Attach).Id;
            var initial = requestStream.Current.InitialSize;
            var (output, detach) = await rt.AttachAsync(id, ct);
            try
            {
                if (initial is not null && rt.MonitorOf(id) is { } m)
                {
                    await m.ResizeAsync(initial.Rows, initial.Cols, ct);
                }
                _ = StdioPump.ForwardInputAsync(requestStream, () => rt.MonitorOf(id), ct);
                await foreach (var e in output.ReadAllAsync(ct))
                {
                    if (e.ExitCode is { } code)
                    {
                        await responseStream.WriteAsync(new StdioFrame { ExitCode = code }, ct);
                        break;
                    }
                    await responseStream.WriteAsync(StdioPump.Frame(e.Stream, e.Data), ct);
                }
            }
            finally
            {
                detach();
            }
            return true;
        });

    public override Task Exec(IAsyncStreamReader<StdioRequest> requestStream, IServerStreamWriter<StdioFrame> responseStream, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            var ct = context.CancellationToken;
            if (!await requestStream.MoveNext(ct) || requestStream.Current.MsgCase != StdioRequest.MsgOneofCase.Exec)
            {
                throw new RuntimeException(RuntimeError.InvalidArgument, "first Exec message must be an ExecSpec");
            }
            var spec = requestStream.Current.Exec;
            var initial = requestStream.Current.InitialSize;
            using var relay = await Runtime(context).ExecAsync(spec.Container,
                new ExecOptions([.. spec.Cmd], [.. spec.Env], spec.User, spec.WorkingDir, spec.Tty, spec.OpenStdin), ct);
            if (initial is not null)
            {
                await relay.ResizeAsync(initial.Rows, initial.Cols, ct);
            }
            _ = StdioPump.ForwardInputAsync(requestStream, () => relay, ct);
            while (await relay.ReadAsync(ct) is { } f)
            {
                if (f.Type == 'x')
                {
                    await responseStream.WriteAsync(new StdioFrame { ExitCode = f.ExitCode }, ct);
                    return true;
                }
                await responseStream.WriteAsync(StdioPump.Frame(f.Type == 'e' ? 2 : 1, f.Data), ct);
            }
            await responseStream.WriteAsync(new StdioFrame { ExitCode = 255 }, ct);
            return true;
        });

}
