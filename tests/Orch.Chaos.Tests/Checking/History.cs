namespace Orch.Chaos.Tests.Checking;

/// <summary>What a client call tried to change.</summary>
public enum OpKind
{
    /// <summary>Create service <see cref="OpRecord.Target"/> with <see cref="OpRecord.Replicas"/> and register value <see cref="OpRecord.Value"/>.</summary>
    CreateService,
    /// <summary>Change the service's task template (a rolling update) and write <see cref="OpRecord.Value"/> to its register.</summary>
    UpdateService,
    /// <summary>Set the service's replicas to <see cref="OpRecord.Replicas"/> and write <see cref="OpRecord.Value"/> to its register.</summary>
    ScaleService,
    /// <summary>Remove service <see cref="OpRecord.Target"/>.</summary>
    RemoveService,
    /// <summary>Set label <see cref="OpRecord.Key"/> of node <see cref="OpRecord.Target"/> (a hostname) to <see cref="OpRecord.Value"/>.</summary>
    SetNodeLabel,
}

/// <summary>
/// How a call ended, as the client saw it. Only <see cref="Failed"/> is a promise that nothing changed: the
/// cluster answered with a definite refusal (not found, conflict, invalid, …) or the call never reached a
/// daemon. A timeout or "no quorum" is <see cref="Unknown"/>: the command may have been appended to a log and
/// may still commit later, under another leader (Jepsen's :info).
/// </summary>
public enum Outcome
{
    Acknowledged,
    Failed,
    Unknown,
}

/// <summary>
/// One client call. Times are offsets on one monotonic clock of the client process. Every write carries a value
/// no other call writes (<see cref="Value"/>), so the final state tells which write won, and a lost or
/// duplicated write shows.
/// </summary>
public sealed record OpRecord(
    long Id,
    int Client,
    OpKind Kind,
    string Target,
    string Key,
    string Value,
    int? Replicas,
    int Manager,
    TimeSpan Start,
    TimeSpan End,
    Outcome Outcome,
    string Detail = "")
{
    /// <summary>
    /// When the call's effect can have happened at the latest: its end if acknowledged, never for a failed
    /// call, and "any time later" (infinity) for an unknown one, which a new leader may still commit.
    /// </summary>
    public TimeSpan LatestEffect => Outcome == Outcome.Acknowledged ? End : TimeSpan.MaxValue;

    public override string ToString() =>
        $"#{Id} c{Client} {Kind} {Target}{(Key.Length > 0 ? "." + Key : "")}={Value}{(Replicas is { } r ? $" x{r}" : "")} via n{Manager} " +
        $"[{Start.TotalSeconds:0.000}s..{End.TotalSeconds:0.000}s] {Outcome}{(Detail.Length > 0 ? ": " + Detail : "")}";
}
