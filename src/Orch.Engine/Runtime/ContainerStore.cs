using System.Collections.Concurrent;
using System.Text.Json;

namespace Orch.Engine.Runtime;

/// <summary>
/// The containers of this daemon: in memory, and each in DATA/containers/ID/config.json, written
/// atomically (temp + fsync + rename) so that a daemon killed mid-write leaves the old or the new file.
/// </summary>
internal sealed class ContainerStore(EngineOptions options)
{
    private readonly ConcurrentDictionary<string, ContainerRecord> byId = new(StringComparer.Ordinal);
    private readonly Lock nameLock = new();

    public string Dir(string id) => Path.Combine(options.DataRoot, "containers", id);

    public IReadOnlyList<ContainerRecord> All() => [.. byId.Values.OrderByDescending(c => c.Created)];

    /// <summary>Loads every container found on disk (daemon start).</summary>
    public void Load()
    {
        var root = Path.Combine(options.DataRoot, "containers");
        if (!Directory.Exists(root))
        {
            return;
        }
        foreach (var dir in Directory.EnumerateDirectories(root))
        {
            var file = Path.Combine(dir, "config.json");
            if (!File.Exists(file))
            {
                // A create that died before its first save: nothing refers to it.
                Directory.Delete(dir, recursive: true);
                continue;
            }
            var record = JsonSerializer.Deserialize(File.ReadAllBytes(file), RuntimeJsonContext.Default.ContainerRecord);
            if (record is not null)
            {
                byId[record.Id] = record;
            }
        }
    }

    /// <summary>Adds a new container; false when the name is taken.</summary>
    public bool TryAdd(ContainerRecord record)
    {
        lock (nameLock)
        {
            if (byId.Values.Any(c => c.Name == record.Name))
            {
                return false;
            }
            byId[record.Id] = record;
            return true;
        }
    }

    public bool NameInUse(string name) => byId.Values.Any(c => c.Name == name);

    /// <summary>Full id, unique id prefix, or name (with or without a leading '/').</summary>
    public ContainerRecord? Find(string reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }
        if (byId.TryGetValue(reference, out var exact))
        {
            return exact;
        }
        var name = reference.TrimStart('/');
        var byName = byId.Values.FirstOrDefault(c => c.Name == name);
        if (byName is not null)
        {
            return byName;
        }
        var matches = byId.Values.Where(c => c.Id.StartsWith(reference, StringComparison.Ordinal)).Take(2).ToList();
        if (matches.Count > 1)
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, $"multiple containers found with provided prefix: {reference}");
        }
        return matches.FirstOrDefault();
    }

    public void Save(ContainerRecord record)
    {
        var dir = Dir(record.Id);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "config.json");
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(fs, record, RuntimeJsonContext.Default.ContainerRecord);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    public void Remove(ContainerRecord record)
    {
        byId.TryRemove(record.Id, out _);
        var dir = Dir(record.Id);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
