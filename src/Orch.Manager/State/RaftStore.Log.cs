using Microsoft.Extensions.Logging;

namespace Orch.Manager.State;

internal sealed partial class RaftStore
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Raft member {EndPoint} started ({Bootstrap}), applied index {Index}")]
    private partial void LogStarted(string endPoint, string bootstrap, ulong index);

    [LoggerMessage(Level = LogLevel.Information, Message = "Raft leader is now {Leader}")]
    private partial void LogLeaderChanged(string leader);

    [LoggerMessage(Level = LogLevel.Information, Message = "manager {EndPoint} added to the Raft membership")]
    private partial void LogMemberAdded(string endPoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "manager {EndPoint} removed from the Raft membership")]
    private partial void LogMemberRemoved(string endPoint);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Raft log failed, this manager must restart: {Reason}")]
    private partial void LogFatal(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Raft member did not stop cleanly: {Error}")]
    private partial void LogStopFailed(string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "proposal {RequestId} attempt failed: {Error}")]
    private partial void LogAttemptFailed(string requestId, string error);
}
