using Microsoft.Extensions.Logging;
using Orch.Api.V1.Objects;

namespace Orch.Manager.Orchestration;

internal static partial class OrchestrationLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Loop}: applied {Ops} changes at index {Index}")]
    public static partial void Applied(ILogger logger, string loop, int ops, ulong index);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Loop}: changes rejected ({Error}: {Reason}), deciding again on fresh state")]
    public static partial void Rejected(ILogger logger, string loop, CommandErrorCode error, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop}: store unavailable ({Reason}), retrying")]
    public static partial void StoreUnavailable(ILogger logger, string loop, string reason);
}
