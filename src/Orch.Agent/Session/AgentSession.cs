using Grpc.Core;
using Microsoft.Extensions.Logging;
using Orch.Api.V1;
using Polly;
using Polly.Retry;

namespace Orch.Agent.Session;

/// <summary>
/// This node's session with the leader's dispatcher (proto/orch/v1/dispatcher.proto): register,
/// heartbeat at the period the dispatcher gives, follow "not the leader; leader is X" redirects,
/// and reconnect with backoff to any manager it knows when the session breaks. Learns the manager
/// list from the session and hands it to <paramref name="onManagers"/> (the node persists it, so a
/// restarted node still knows where to go).
/// </summary>
public sealed partial class AgentSession(
    ManagerChannels channels,
    Func<IReadOnlyList<string>> knownManagers,
    Action<IReadOnlyList<string>> onManagers,
    Func<SessionRegister> register,
    TimeProvider time,
    ILogger<AgentSession> logger)
{
    private static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(5);

    // Reconnect: fast first (a leader change is the common case), then at most every 2 s so that a
    // node never misses 3 heartbeat periods just because of its own backoff.
    private readonly ResiliencePipeline reconnect = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RpcException>().Handle<HttpRequestException>().Handle<IOException>(),
            MaxRetryAttempts = int.MaxValue,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = TimeSpan.FromSeconds(2),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    private readonly System.Threading.Channels.Channel<TaskStatusUpdate> outgoing =
        System.Threading.Channels.Channel.CreateUnbounded<TaskStatusUpdate>(new() { SingleReader = true });

    // Log answers belong to the session their subscription came on: never re-sent on another one.
    private readonly System.Threading.Channels.Channel<AgentMessage> logsOut =
        System.Threading.Channels.Channel.CreateUnbounded<AgentMessage>(new() { SingleReader = true });

    // EndpointsApplied answers, each with the session it belongs to: a table's number means nothing to another session.
    private readonly System.Threading.Channels.Channel<(long Session, ulong Sequence)> appliedOut =
        System.Threading.Channels.Channel.CreateUnbounded<(long, ulong)>(new() { SingleReader = true });

    private long sessions;

    private string? leaderHint;

    /// <summary>
    /// Raised when the dispatcher opens or closes a log subscription (orch service logs); the token
    /// ends with the session, and with it every reader of the subscription.
    /// </summary>
    public event Action<LogSubscription, CancellationToken>? LogSubscriptionReceived;

    /// <summary>Queues log lines or a log "done" for the current session (dropped if it ends first).</summary>
    public void SendLog(AgentMessage message) => logsOut.Writer.TryWrite(message);

    /// <summary>Raised when a session opens (the worker then reports every task's status again: the new leader may have missed some).</summary>
    public event Action? Connected;

    /// <summary>Queues a task status for the dispatcher; sent on the current or next session, in order.</summary>
    public void Report(TaskStatusUpdate update) => outgoing.Writer.TryWrite(update);

    /// <summary>The manager of the current session, or null while disconnected.</summary>
    public string? Current { get; private set; }

    /// <summary>Raised with the role the cluster wants this node in, on every session info (promote/demote).</summary>
    public event Action<Orch.Api.V1.Objects.NodeRole>? RoleWanted;

    /// <summary>Raised with the node's full assignment set whenever the dispatcher sends one.</summary>
    public event Action<Assignments>? AssignmentsReceived;

    /// <summary>Raised with the cluster's endpoint table whenever the dispatcher sends one (after <see cref="ApplyEndpoints"/> took it).</summary>
    public event Action<Orch.Api.V1.Objects.EndpointTable>? EndpointsReceived;

    /// <summary>
    /// The node's load balancer: serves each endpoint table, completing once it does in full; the session then tells
    /// the dispatcher (EndpointsApplied). Without one the answer is immediate: no connection passes this node.
    /// </summary>
    public Func<Orch.Api.V1.Objects.EndpointTable, CancellationToken, Task>? ApplyEndpoints { get; set; }

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await reconnect.ExecuteAsync(async token => await RunOneSessionAsync(token), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Tries each known manager (the last leader hint first) until one session runs; returns when it ends cleanly.</summary>
    private async ValueTask RunOneSessionAsync(CancellationToken ct)
    {
        var order = knownManagers().ToList();
        if (leaderHint is { } hint)
        {
            order.Remove(hint);
            order.Insert(0, hint);
        }
        RpcException? last = null;
        foreach (var address in order)
        {
            try
            {
                await RunSessionAsync(address, ct);
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && LeaderIn(e.Status.Detail) is { } leader)
            {
                leaderHint = leader;
                last = e;
                if (leader != address)
                {
                    try
                    {
                        await RunSessionAsync(leader, ct);
                        return;
                    }
                    catch (RpcException again)
                    {
                        last = again;
                    }
                }
            }
            catch (RpcException e) when (!ct.IsCancellationRequested)
            {
                LogConnectFailed(address, e.Status.Detail);
                last = e;
            }
            finally
            {
                Current = null;
            }
        }
        throw last ?? new RpcException(new Status(StatusCode.Unavailable, "no manager known"));
    }

    private async Task RunSessionAsync(string address, CancellationToken ct)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var call = new Dispatcher.DispatcherClient(channels.For(address)).Session(cancellationToken: session.Token);
        await call.RequestStream.WriteAsync(new AgentMessage { Register = register() }, session.Token);
        if (!await call.ResponseStream.MoveNext(session.Token) || call.ResponseStream.Current.KindCase != DispatcherMessage.KindOneofCase.Session)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"{address} closed the session before it began"));
        }
        var period = Apply(call.ResponseStream.Current.Session, address);
        Current = address;
        LogConnected(address, period.TotalSeconds);
        while (logsOut.Reader.TryRead(out _))
        {
            // Answers to a previous session's subscriptions: that leader has given up on them.
        }
        var number = Interlocked.Increment(ref sessions);
        var reader = ReadAsync(call.ResponseStream, address, p => period = p, number, session.Token);
        Connected?.Invoke();
        try
        {
            var nextBeat = time.GetUtcNow() + period;
            while (!reader.IsCompleted)
            {
                var wait = nextBeat - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    using var waiting = CancellationTokenSource.CreateLinkedTokenSource(session.Token);
                    var tick = Task.Delay(wait, time, waiting.Token);
                    var more = outgoing.Reader.WaitToReadAsync(waiting.Token).AsTask();
                    var logs = logsOut.Reader.WaitToReadAsync(waiting.Token).AsTask();
                    var applied = appliedOut.Reader.WaitToReadAsync(waiting.Token).AsTask();
                    await Task.WhenAny(reader, tick, more, logs, applied);
                    await waiting.CancelAsync();
                    await Task.WhenAll(tick, more, logs, applied).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
                if (reader.IsCompleted)
                {
                    break;
                }
                while (outgoing.Reader.TryPeek(out var update))
                {
                    await call.RequestStream.WriteAsync(new AgentMessage { TaskStatus = update }, session.Token);
                    outgoing.Reader.TryRead(out _); // only once written: a broken session re-sends it on the next one
                }
                while (logsOut.Reader.TryRead(out var log))
                {
                    await call.RequestStream.WriteAsync(log, session.Token);
                }
                while (appliedOut.Reader.TryRead(out var a))
                {
                    if (a.Session == number)
                    {
                        await call.RequestStream.WriteAsync(new AgentMessage { EndpointsApplied = new EndpointsApplied { Sequence = a.Sequence } }, session.Token);
                    }
                }
                if (time.GetUtcNow() >= nextBeat)
                {
                    await call.RequestStream.WriteAsync(new AgentMessage { Heartbeat = new Heartbeat() }, session.Token);
                    nextBeat = time.GetUtcNow() + period;
                }
            }
            await reader; // rethrows how the session ended
        }
        finally
        {
            await session.CancelAsync();
            await reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        throw new RpcException(new Status(StatusCode.Unavailable, $"session with {address} ended"));
    }

    private async Task ReadAsync(IAsyncStreamReader<DispatcherMessage> stream, string address, Action<TimeSpan> setPeriod, long number, CancellationToken ct)
    {
        while (await stream.MoveNext(ct))
        {
            var message = stream.Current;
            switch (message.KindCase)
            {
                case DispatcherMessage.KindOneofCase.Session:
                    setPeriod(Apply(message.Session, address));
                    break;
                case DispatcherMessage.KindOneofCase.Assignments:
                    AssignmentsReceived?.Invoke(message.Assignments);
                    break;
                case DispatcherMessage.KindOneofCase.LogSubscription:
                    LogSubscriptionReceived?.Invoke(message.LogSubscription, ct);
                    break;
                case DispatcherMessage.KindOneofCase.Endpoints:
                    // Taken in order here (the balancer's pools change at once); answered when its kernel rules follow.
                    var applying = ApplyEndpoints?.Invoke(message.Endpoints, ct) ?? Task.CompletedTask;
                    EndpointsReceived?.Invoke(message.Endpoints);
                    _ = AnswerAsync(applying, number, message.Endpoints.Sequence);
                    break;
            }
        }
    }

    private async Task AnswerAsync(Task applying, long number, ulong sequence)
    {
        try
        {
            await applying;
        }
        catch (OperationCanceledException)
        {
            return; // the session ended first
        }
        catch (Exception e)
        {
            LogApplyFailed(sequence, e.Message); // the balancer's own log says more; the table is not confirmed
            return;
        }
        appliedOut.Writer.TryWrite((number, sequence));
    }

    private TimeSpan Apply(SessionInfo info, string address)
    {
        if (info.Managers.Count > 0)
        {
            leaderHint = info.Managers[0];
            onManagers(info.Managers.ToList());
        }
        else
        {
            leaderHint = address;
        }
        RoleWanted?.Invoke(info.Role);
        var period = info.HeartbeatPeriod?.ToTimeSpan() ?? DefaultPeriod;
        return period > TimeSpan.Zero ? period : DefaultPeriod;
    }

    private static string? LeaderIn(string detail)
    {
        const string marker = "leader is ";
        var i = detail.IndexOf(marker, StringComparison.Ordinal);
        return i < 0 ? null : detail[(i + marker.Length)..].Trim();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "session with manager {Manager} open (heartbeat every {Seconds}s)")]
    private partial void LogConnected(string manager, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "session with manager {Manager} failed: {Reason}")]
    private partial void LogConnectFailed(string manager, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "endpoint table {Sequence} not applied in full: {Reason}")]
    private partial void LogApplyFailed(ulong sequence, string reason);
}
