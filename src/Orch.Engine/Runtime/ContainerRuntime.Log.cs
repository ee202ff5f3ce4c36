using Microsoft.Extensions.Logging;

namespace Orch.Engine.Runtime;

internal sealed partial class ContainerRuntime
{
    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId} created as {Name} from {Image}")]
    private partial void LogCreated(string containerId, string name, string image);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId} started: init pid {Pid}, monitor pid {MonitorPid}")]
    private partial void LogStarted(string containerId, int pid, int monitorPid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "container {ContainerId} failed to start: {Reason}")]
    private partial void LogStartFailed(string containerId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId} exited with {ExitCode} (oom killed: {OomKilled})")]
    private partial void LogExited(string containerId, int exitCode, bool oomKilled);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId} stopping with {Signal}, SIGKILL after {Timeout} s")]
    private partial void LogStopping(string containerId, string signal, int timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId} removed")]
    private partial void LogRemoved(string containerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId} still running (pid {Pid}): watching it again")]
    private partial void LogRecovered(string containerId, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId}: monitor {MonitorPid} is gone; handling as an exit")]
    private partial void LogMonitorGone(string containerId, int monitorPid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cleanup of {Target} failed: {Reason}")]
    private partial void LogCleanupFailed(string target, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "exec {ExecPid} in container {ContainerId}: {Command}")]
    private partial void LogExec(string containerId, int execPid, string command);
}
