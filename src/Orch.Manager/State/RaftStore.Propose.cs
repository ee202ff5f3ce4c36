using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Orch.Api.V1.Objects;
using Polly;
using Polly.Retry;

namespace Orch.Manager.State;

internal sealed partial class RaftStore
{
    // The one place the store retries: finding a leader that can commit. Bounded by QuorumTimeout.
    private static readonly ResiliencePipeline LeaderRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<RetryableException>(),
            MaxRetryAttempts = int.MaxValue,
            Delay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromMilliseconds(400),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
        })
        .Build();

    public async Task<CommandResult> ProposeAsync(Command command, CancellationToken ct)
    {
        if (command.RequestId.Length == 0)
        {
            command = command.Clone();
            command.RequestId = Guid.NewGuid().ToString("N");
        }
        return await WithQuorumAsync("the write was not committed", token => AttemptProposeAsync(command, token), ct);
    }

    public async Task<T> ReadAsync<T>(Func<ClusterState, T> read, CancellationToken ct)
    {
        await WithQuorumAsync("no read barrier", async token =>
        {
            ThrowIfFailed();
            try
            {
                await raft.ApplyReadBarrierAsync(ReadBarrierType.Strong, token);
            }
            catch (Exception e) when (e is LeaderOperationException or MemberUnavailableException)
            {
                throw new RetryableException("no leader");
            }
            return true;
        }, ct);
        return read(machine.State);
    }

    /// <summary>
    /// The leader side of a forwarded proposal: replicate here or refuse (the caller then looks
    /// for the new leader). Never forwards again, so a stale view cannot make a loop.
    /// </summary>
    internal async Task<CommandResult> ProposeAsLeaderAsync(Command command, CancellationToken ct)
    {
        ThrowIfFailed();
        if (!IsLeader)
        {
            throw new StoreUnavailableException($"{options.PublicEndPoint} is not the leader");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.QuorumTimeout);
        try
        {
            return await ReplicateHereAsync(command, deadline.Token);
        }
        catch (LeaderOperationException e)
        {
            throw new StoreUnavailableException($"{options.PublicEndPoint} lost leadership: {e.Message}", e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new StoreUnavailableException(NoQuorum("the write was not committed"));
        }
    }

    private async ValueTask<CommandResult> AttemptProposeAsync(Command command, CancellationToken ct)
    {
        ThrowIfFailed();
        if (IsLeader)
        {
            try
            {
                return await ReplicateHereAsync(command, ct);
            }
            catch (LeaderOperationException e)
            {
                throw new RetryableException($"leadership lost ({e.Message})");
            }
        }
        var leader = raft.Leader;
        if (leader is null || !leader.IsRemote)
        {
            throw new RetryableException("no leader");
        }
        string? api;
        try
        {
            (await leader.GetMetadataAsync(false, ct)).TryGetValue("api", out api);
        }
        catch (MemberUnavailableException)
        {
            throw new RetryableException($"leader {leader.EndPoint} unreachable");
        }
        if (api is null)
        {
            throw new RetryableException($"leader {leader.EndPoint} publishes no API address");
        }
        try
        {
            return await leaders.ProposeAsync(api, command, ct);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
        {
            throw new RetryableException($"leader {api}: {e.Status.Detail}");
        }
    }

    private async Task<CommandResult> ReplicateHereAsync(Command command, CancellationToken ct)
    {
        if (machine.State.FindResult(command) is { } done)
        {
            return done;
        }
        var stamped = command.Clone();
        stamped.StampedAt = Timestamp.FromDateTimeOffset(options.Time.GetUtcNow());
        var waiting = new TaskCompletionSource<CommandResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Returns once the entry is committed and applied here; the state machine completes
        // `waiting` from LogEntry.Context (notes §6).
        await raft.ReplicateAsync(stamped.ToByteArray(), waiting, ct);
        if (waiting.Task.IsCompletedSuccessfully)
        {
            return waiting.Task.Result;
        }
        return machine.State.FindResult(command)
            ?? throw new StoreUnavailableException($"request {command.RequestId} was committed but its result is unknown; retry it");
    }

    private async Task<T> WithQuorumAsync<T>(string failure, Func<CancellationToken, ValueTask<T>> attempt, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(options.QuorumTimeout);
        string? last = null;
        try
        {
            return await LeaderRetry.ExecuteAsync(async token =>
            {
                try
                {
                    return await attempt(token);
                }
                catch (RetryableException e)
                {
                    last = e.Message;
                    LogAttemptFailed(failure, e.Message);
                    throw;
                }
            }, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new StoreUnavailableException(NoQuorum(last == "no leader" ? "no leader was elected" : failure));
        }
        catch (ObjectDisposedException) when (stopping.IsCancellationRequested)
        {
            // A call in flight while orchd shuts down meets the disposed log (found by the chaos test: it came back as
            // "Exception was thrown by handler"). UNAVAILABLE says what it is: retry, on another manager.
            throw new StoreUnavailableException($"{failure}: this manager is shutting down; retry on another manager");
        }
    }

    private string NoQuorum(string what)
    {
        var members = raft.Members;
        var reachable = members.Count(m => !m.IsRemote || m.Status == ClusterMemberStatus.Available);
        return $"no quorum: {what} within {options.QuorumTimeout.TotalSeconds:0.#}s " +
            $"({reachable} of {members.Count} managers reachable); retry when a majority of managers is up";
    }

    private void ThrowIfFailed()
    {
        if (fatal is { } reason)
        {
            throw new StoreUnavailableException($"this manager's Raft log has failed and it must restart: {reason}");
        }
    }

    private async ValueTask ProbeLogAsync(CancellationToken ct)
    {
        // Throws WriteAheadLog.InternalException once the log's background flusher has died (P1);
        // LeadershipToken throws UnreachableException on such a zombie member.
        await wal.WaitForApplyAsync(0, ct);
        _ = raft.LeadershipToken;
    }

    private void OnLogFailed(string reason)
    {
        fatal = reason;
        LogFatal(reason);
        Failed?.Invoke(reason);
    }

    /// <summary>A failure that another attempt (maybe at another leader) can fix.</summary>
    private sealed class RetryableException(string message) : Exception(message);
}
