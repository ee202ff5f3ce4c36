using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Orch.Api.V1.Objects;
using Orch.Manager.Security;
using Orch.Manager.State;

namespace Orch.Manager.Dispatching;

/// <summary>
/// The leader's end of every agent session (proto/orch/v1/dispatcher.proto): registration marks
/// the node Ready, heartbeats feed <see cref="NodeLiveness"/>, and the session tells the agent the
/// heartbeat period and the managers to fall back to. Followers refuse sessions and name the leader.
/// </summary>
internal sealed partial class Dispatcher(IReplicatedStore store, NodeLiveness liveness, LogBroker logs, BalancerAcks acks,
    Dispatcher.EndpointTableCache endpointCache, ILogger<Dispatcher> logger) : Orch.Api.V1.Dispatcher.DispatcherBase
{
    public override async System.Threading.Tasks.Task Session(IAsyncStreamReader<AgentMessage> requestStream, IServerStreamWriter<DispatcherMessage> responseStream, ServerCallContext context)
    {
        var caller = CallerIdentity.Require(context);
        CancellationToken leading;
        try
        {
            leading = store.IsLeader ? await store.WaitForLeadershipAsync(context.CancellationToken) : default;
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (!store.IsLeader)
        {
            var leader = store.Leader?.ApiAddress;
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                leader is null ? "not the leader; no leader is known" : $"not the leader; leader is {leader}"));
        }
        using var session = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, leading);
        if (!await requestStream.MoveNext(session.Token) || requestStream.Current.KindCase != AgentMessage.KindOneofCase.Register)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a session starts with Register"));
        }
        var register = requestStream.Current.Register;
        liveness.Seen(caller.NodeId);
        await MarkReadyAsync(caller.NodeId, register, session.Token);
        LogSession(caller.NodeId, register.Description?.Hostname ?? "");

        using var watch = store.Watch();
        var writes = new SemaphoreSlim(1, 1);
        var lastInfo = SessionInfo(caller.NodeId);
        await Send(responseStream, writes, new DispatcherMessage { Session = lastInfo }, session.Token);
        var lastAssignments = AssignmentsOf(caller.NodeId);
        await Send(responseStream, writes, new DispatcherMessage { Assignments = lastAssignments }, session.Token);
        var feed = new EndpointFeed();
        var lastEndpoints = Endpoints();
        await Send(responseStream, writes, feed.Stamp(lastEndpoints), session.Token);
        var pushes = PushChangesAsync(caller.NodeId, watch, responseStream, writes, lastInfo, lastAssignments, lastEndpoints, feed, session);
        // service logs reach the node over this session (it is the only way to a worker).
        using var logSession = logs.Attach(caller.NodeId, (m, ct) => SendLinked(responseStream, writes, m, session.Token, ct));
        liveness.SessionStarted(caller.NodeId);
        // Statuses are written by their own loop, so that reading goes on while a write commits and the
        // reports that queue meanwhile share one command; its failure (no quorum) ends the session.
        var statuses = new TaskStatusWriter(store, caller.NodeId, logger);
        var writing = WriteStatusesAsync(statuses, session);
        try
        {
            while (await requestStream.MoveNext(session.Token))
            {
                var message = requestStream.Current;
                liveness.Seen(caller.NodeId);
                if (store.ReadLocal(s => s.GetNode(caller.NodeId))?.Status?.State == NodeState.Down)
                {
                    // Marked Down (missed heartbeats: a cut link that healed, a stalled node) while this
                    // session survived: it is alive again, so Ready again, exactly as if it had
                    // re-registered. Without this a node stayed Down for as long as its session lasted.
                    await MarkReadyAsync(caller.NodeId, register, session.Token);
                    LogBackUp(caller.NodeId);
                }
                switch (message.KindCase)
                {
                    case AgentMessage.KindOneofCase.TaskStatus:
                        statuses.Enqueue(message.TaskStatus);
                        break;
                    case AgentMessage.KindOneofCase.LogLines:
                        logs.OnLines(caller.NodeId, message.LogLines);
                        break;
                    case AgentMessage.KindOneofCase.LogDone:
                        logs.OnDone(caller.NodeId, message.LogDone);
                        break;
                    case AgentMessage.KindOneofCase.EndpointsApplied when feed.Answered(message.EndpointsApplied.Sequence) is { } keptOut:
                        acks.Confirm(caller.NodeId, feed, message.EndpointsApplied.Sequence, keptOut);
                        break;
                }
            }
            statuses.Complete(); // the agent ended the session: what it reported is still written
            await writing;
        }
        catch (OperationCanceledException) when (session.IsCancellationRequested)
        {
        }
        finally
        {
            liveness.SessionEnded(caller.NodeId);
            acks.Ended(caller.NodeId, feed);
            statuses.Complete();
            await session.CancelAsync();
            await pushes.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            LogSessionEnded(caller.NodeId);
        }
        if (writing.Exception?.InnerException is RpcException failed)
        {
            throw failed;
        }
        if (context.CancellationToken.IsCancellationRequested is false && leading.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "this manager stopped leading; reconnect to the new leader"));
        }
    }

    /// <summary>
    /// Sends SessionInfo again when the manager list changes, the assignments and the endpoint table when they change
    /// (the table also when a balancer's confirmation drains a task); ends the session when the node is removed.
    /// </summary>
    private async System.Threading.Tasks.Task PushChangesAsync(string nodeId, StoreWatch watch, IServerStreamWriter<DispatcherMessage> stream,
        SemaphoreSlim writes, SessionInfo last, Assignments lastAssignments, EndpointTable lastEndpoints, EndpointFeed feed, CancellationTokenSource session)
    {
        var confirmed = System.Threading.Channels.Channel.CreateBounded<bool>(new System.Threading.Channels.BoundedChannelOptions(1)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite,
        });
        using var subscription = acks.Subscribe(() => confirmed.Writer.TryWrite(true));
        System.Threading.Tasks.Task<bool>? storeWait = null, ackWait = null;
        try
        {
            // Each wake-up drains the whole backlog and acts once: a scale-up is many events but one message.
            while (true)
            {
                storeWait ??= watch.Events.WaitToReadAsync(session.Token).AsTask();
                ackWait ??= confirmed.Reader.WaitToReadAsync(session.Token).AsTask();
                await System.Threading.Tasks.Task.WhenAny(storeWait, ackWait);
                bool tasksChanged = false, nodesChanged = false, endpointsChanged = false;
                if (ackWait.IsCompleted)
                {
                    await ackWait; // rethrows cancellation
                    ackWait = null;
                    endpointsChanged = confirmed.Reader.TryRead(out _);
                }
                if (storeWait.IsCompleted)
                {
                    if (!await storeWait)
                    {
                        return; // the watch ended
                    }
                    storeWait = null;
                }
                while (watch.Events.TryRead(out var e))
                {
                    endpointsChanged |= AffectsEndpoints(e);
                    switch (e.Object?.KindCase)
                    {
                        case null:
                            tasksChanged = nodesChanged = true; // a snapshot replaced everything
                            break;
                        case StoreObject.KindOneofCase.Task when e.Object.Task.NodeId == nodeId:
                            tasksChanged = true;
                            break;
                        case StoreObject.KindOneofCase.Node when e.Kind == StoreEventKind.Removed && e.Object.Node.Id == nodeId:
                            await session.CancelAsync();
                            return;
                        case StoreObject.KindOneofCase.Node:
                            nodesChanged = true;
                            break;
                    }
                }
                if (tasksChanged)
                {
                    var assignments = AssignmentsOf(nodeId);
                    if (!assignments.Equals(lastAssignments))
                    {
                        lastAssignments = assignments;
                        await Send(stream, writes, new DispatcherMessage { Assignments = assignments }, session.Token);
                    }
                }
                if (endpointsChanged)
                {
                    var endpoints = Endpoints();
                    if (!endpoints.Equals(lastEndpoints))
                    {
                        lastEndpoints = endpoints;
                        await Send(stream, writes, feed.Stamp(endpoints), session.Token);
                    }
                }
                if (nodesChanged)
                {
                    var info = SessionInfo(nodeId);
                    if (!info.Equals(last))
                    {
                        last = info;
                        await Send(stream, writes, new DispatcherMessage { Session = info }, session.Token);
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // The session is over (cancelled, or the response stream completed).
        }
    }

    /// <summary>
    /// The node's tasks that still need it: desired to run, or not yet in a final state (so the
    /// agent can stop them). Tasks absent from the set are the agent's to clean up.
    /// </summary>
    private Assignments AssignmentsOf(string nodeId)
    {
        var assignments = new Assignments();
        assignments.Tasks.AddRange(store.ReadLocal(s => s.ListTasks())
            .Where(t => t.NodeId == nodeId
                && t.Status?.State >= TaskState.Assigned
                && (t.DesiredState <= TaskState.Running || t.Status.State <= TaskState.Running))
            .OrderBy(t => t.Id, StringComparer.Ordinal));
        return assignments;
    }

    private SessionInfo SessionInfo(string nodeId)
    {
        var info = new SessionInfo
        {
            NodeId = nodeId,
            HeartbeatPeriod = Duration.FromTimeSpan(liveness.Period),
            Role = store.ReadLocal(s => s.GetNode(nodeId))?.Spec?.Role ?? NodeRole.Worker,
        };
        info.Managers.AddRange(NodeCaService.ManagerAddresses(store));
        return info;
    }

    private async System.Threading.Tasks.Task MarkReadyAsync(string nodeId, SessionRegister register, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var stored = store.ReadLocal(s => s.GetNode(nodeId))
                ?? throw new RpcException(new Status(StatusCode.PermissionDenied, $"node {nodeId} was removed from the swarm"));
            var ready = NodeLiveness.ReadyNode(stored, register.Description, register.AdvertiseAddr);
            if (ready.Equals(stored))
            {
                return;
            }
            var result = await ProposeAsync(new Command { Ops = { new Op { Update = new UpdateOp { Object = StoreObjects.Wrap(ready) } } } }, ct);
            if (result.Error != CommandErrorCode.Conflict)
            {
                Orch.Manager.Control.CommandErrors.ThrowIfFailed(result);
                return;
            }
        }
    }

    /// <summary>Runs the session's status writer; a store that cannot commit (or any failure) ends the session as UNAVAILABLE.</summary>
    private static async System.Threading.Tasks.Task WriteStatusesAsync(TaskStatusWriter writer, CancellationTokenSource session)
    {
        try
        {
            await writer.RunAsync(session.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !session.IsCancellationRequested)
        {
            // Statuses must not stop being written while the session goes on: end it, the agent reconnects
            // and reports every status again.
            await session.CancelAsync();
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }

    private async Task<CommandResult> ProposeAsync(Command command, CancellationToken ct)
    {
        try
        {
            return await store.ProposeAsync(command, ct);
        }
        catch (StoreUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }
    }

    private static async System.Threading.Tasks.Task SendLinked(IServerStreamWriter<DispatcherMessage> stream, SemaphoreSlim writes,
        DispatcherMessage message, CancellationToken session, CancellationToken caller)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(session, caller);
        await Send(stream, writes, message, both.Token);
    }

    private static async System.Threading.Tasks.Task Send(IServerStreamWriter<DispatcherMessage> stream, SemaphoreSlim writes, DispatcherMessage message, CancellationToken ct)
    {
        await writes.WaitAsync(ct);
        try
        {
            await stream.WriteAsync(message, ct);
        }
        finally
        {
            writes.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "session opened by node {NodeId} ({Hostname})")]
    private partial void LogSession(string nodeId, string hostname);

    [LoggerMessage(Level = LogLevel.Information, Message = "node {NodeId} is heard from again on its session: Ready")]
    private partial void LogBackUp(string nodeId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "session of node {NodeId} ended")]
    private partial void LogSessionEnded(string nodeId);
}
