using Google.Protobuf.WellKnownTypes;
using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

internal sealed partial class ClusterState
{
    /// <summary>
    /// Applies one committed command at log index <paramref name="index"/>. Deterministic: the
    /// outcome depends only on the current state, the command (with its leader-stamped time) and
    /// the index. All ops apply or none does. A request id applied before returns its first
    /// outcome with <c>Duplicate = true</c> and changes nothing.
    /// </summary>
    public CommandResult Apply(Command command, ulong index)
    {
        lock (gate)
        {
            appliedIndex = Math.Max(appliedIndex, index);
            if (command.RequestId.Length > 0 && requests.TryGet(command.RequestId, out var prior))
            {
                return Duplicate(prior, command);
            }
            var result = Stage(command, index, out var staged);
            if (result.Error == CommandErrorCode.None)
            {
                var events = Commit(staged, index);
                Publish(events);
            }
            // Remember the outcome without the objects: the request log is in every snapshot, and
            // snapshot size bounds how long an InstallSnapshot takes (pitfall P2).
            requests.Add(command.RequestId, new CommandResult { Error = result.Error, Message = result.Message, Index = result.Index });
            return result;
        }
    }

    // The first outcome again, with the touched objects as they are stored now.
    private CommandResult Duplicate(CommandResult prior, Command command)
    {
        var again = prior.Clone();
        again.Duplicate = true;
        if (again.Error == CommandErrorCode.None)
        {
            foreach (var op in command.Ops)
            {
                var (kind, id) = op.OpCase switch
                {
                    Op.OpOneofCase.Create => (StoreObjects.KindOf(op.Create.Object), StoreObjects.IdOf(op.Create.Object)),
                    Op.OpOneofCase.Update => (StoreObjects.KindOf(op.Update.Object), StoreObjects.IdOf(op.Update.Object)),
                    _ => (ObjectKind.Unspecified, ""),
                };
                if (kind != ObjectKind.Unspecified && Table(kind).TryGetValue(id, out var stored))
                {
                    again.Objects.Add(stored.Clone());
                }
            }
        }
        return again;
    }

    private readonly record struct Change(ObjectKind Kind, string Id, StoreObject? After, StoreObject? Before);

    // Validates every op against the state as changed by the ops before it; no table is touched.
    private CommandResult Stage(Command command, ulong index, out List<Change> staged)
    {
        staged = [];
        var overlay = new Dictionary<(ObjectKind, string), StoreObject?>();
        StoreObject? Current(ObjectKind k, string id) =>
            overlay.TryGetValue((k, id), out var o) ? o : Table(k).GetValueOrDefault(id);

        var stamp = command.StampedAt ?? new Timestamp();
        var result = new CommandResult { Index = index };
        if (command.Ops.Count == 0)
        {
            return Fail(result, CommandErrorCode.Invalid, "command has no operations");
        }
        foreach (var op in command.Ops)
        {
            (CommandErrorCode Code, string Message) error = op.OpCase switch
            {
                Op.OpOneofCase.Create => StageCreate(op.Create.Object, Current, overlay, staged, stamp, index),
                Op.OpOneofCase.Update => StageUpdate(op.Update.Object, Current, overlay, staged, stamp, index),
                Op.OpOneofCase.Remove => StageRemove(op.Remove, Current, overlay, staged),
                _ => (CommandErrorCode.Invalid, "operation has no kind"),
            };
            if (error.Code != CommandErrorCode.None)
            {
                staged.Clear();
                return Fail(result, error.Code, error.Message);
            }
        }
        foreach (var c in staged.Where(c => c.After is not null))
        {
            result.Objects.Add(c.After!.Clone());
        }
        return result;
    }

    private (CommandErrorCode Code, string Message) StageCreate(
        StoreObject? obj, Func<ObjectKind, string, StoreObject?> current,
        Dictionary<(ObjectKind, string), StoreObject?> overlay, List<Change> staged, Timestamp stamp, ulong index)
    {
        if (Validate(obj) is { } invalid)
        {
            return (CommandErrorCode.Invalid, invalid);
        }
        var (kind, id) = (StoreObjects.KindOf(obj!), StoreObjects.IdOf(obj!));
        if (current(kind, id) is not null)
        {
            return (CommandErrorCode.AlreadyExists, $"{StoreObjects.Noun(kind)} {id} already exists");
        }
        if (kind == ObjectKind.Cluster && Table(kind).Keys.FirstOrDefault(k => current(kind, k) is not null) is { } existing)
        {
            return (CommandErrorCode.AlreadyExists, $"the cluster object already exists ({existing})");
        }
        var stored = obj!.Clone();
        StoreObjects.SetMeta(stored, new Meta { Version = index, CreatedAt = stamp, UpdatedAt = stamp });
        overlay[(kind, id)] = stored;
        staged.Add(new Change(kind, id, stored, null));
        return (CommandErrorCode.None, "");
    }

    private static (CommandErrorCode Code, string Message) StageUpdate(
        StoreObject? obj, Func<ObjectKind, string, StoreObject?> current,
        Dictionary<(ObjectKind, string), StoreObject?> overlay, List<Change> staged, Timestamp stamp, ulong index)
    {
        if (Validate(obj) is { } invalid)
        {
            return (CommandErrorCode.Invalid, invalid);
        }
        var (kind, id) = (StoreObjects.KindOf(obj!), StoreObjects.IdOf(obj!));
        var before = current(kind, id);
        if (before is null)
        {
            return (CommandErrorCode.NotFound, $"{StoreObjects.Noun(kind)} {id} not found");
        }
        var storedMeta = StoreObjects.MetaOf(before)!;
        var sentVersion = StoreObjects.MetaOf(obj!)?.Version ?? 0;
        if (sentVersion != storedMeta.Version)
        {
            return (CommandErrorCode.Conflict,
                $"{StoreObjects.Noun(kind)} {id}: update out of sequence (version {sentVersion}, stored {storedMeta.Version})");
        }
        var stored = obj!.Clone();
        StoreObjects.SetMeta(stored, new Meta { Version = index, CreatedAt = storedMeta.CreatedAt, UpdatedAt = stamp });
        overlay[(kind, id)] = stored;
        staged.Add(new Change(kind, id, stored, before));
        return (CommandErrorCode.None, "");
    }

    private static (CommandErrorCode Code, string Message) StageRemove(
        RemoveOp remove, Func<ObjectKind, string, StoreObject?> current,
        Dictionary<(ObjectKind, string), StoreObject?> overlay, List<Change> staged)
    {
        if (remove.Kind == ObjectKind.Unspecified || remove.Id.Length == 0)
        {
            return (CommandErrorCode.Invalid, "remove needs a kind and an id");
        }
        var before = current(remove.Kind, remove.Id);
        if (before is null)
        {
            return (CommandErrorCode.NotFound, $"{StoreObjects.Noun(remove.Kind)} {remove.Id} not found");
        }
        var version = StoreObjects.MetaOf(before)!.Version;
        if (remove.ExpectedVersion != 0 && remove.ExpectedVersion != version)
        {
            return (CommandErrorCode.Conflict,
                $"{StoreObjects.Noun(remove.Kind)} {remove.Id}: remove out of sequence (version {remove.ExpectedVersion}, stored {version})");
        }
        overlay[(remove.Kind, remove.Id)] = null;
        staged.Add(new Change(remove.Kind, remove.Id, null, before));
        return (CommandErrorCode.None, "");
    }

    private static string? Validate(StoreObject? obj)
    {
        if (obj is null || obj.KindCase == StoreObject.KindOneofCase.None)
        {
            return "operation has no object";
        }
        return StoreObjects.IdOf(obj).Length == 0 ? $"{StoreObjects.Noun(StoreObjects.KindOf(obj))} has no id" : null;
    }

    private List<StoreEvent> Commit(List<Change> staged, ulong index)
    {
        var events = new List<StoreEvent>(staged.Count);
        foreach (var c in staged)
        {
            var table = Table(c.Kind);
            if (c.After is null)
            {
                table.Remove(c.Id);
                events.Add(new StoreEvent(StoreEventKind.Removed, c.Before!.Clone(), index));
            }
            else
            {
                table[c.Id] = c.After;
                var kind = c.Before is null ? StoreEventKind.Created : StoreEventKind.Updated;
                events.Add(new StoreEvent(kind, c.After.Clone(), index));
            }
        }
        return events;
    }

    private static CommandResult Fail(CommandResult result, CommandErrorCode code, string message)
    {
        result.Error = code;
        result.Message = message;
        result.Objects.Clear();
        return result;
    }
}
