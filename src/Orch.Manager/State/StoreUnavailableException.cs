namespace Orch.Manager.State;

/// <summary>
/// The managers cannot serve the call now: no leader, no quorum, or this member's log failed.
/// Maps to gRPC UNAVAILABLE; the message is the one line the user sees. A write that failed
/// this way may still be applied later if its entry was appended before the quorum was lost;
/// retrying with the same request id is safe.
/// </summary>
internal sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
