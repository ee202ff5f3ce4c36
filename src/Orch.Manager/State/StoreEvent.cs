using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

internal enum StoreEventKind
{
    Created,
    Updated,
    Removed,
    /// <summary>The whole state was replaced (snapshot installed); watchers must re-read everything.</summary>
    Reset,
}

/// <summary>
/// One change applied to the store, delivered to watchers in apply (= log) order.
/// <paramref name="Object"/> is the stored object after the change (before it, for Removed);
/// null for Reset. Receivers own it (it is a copy).
/// </summary>
internal sealed record StoreEvent(StoreEventKind Kind, StoreObject? Object, ulong Index);
