using System.Text.Json;

namespace Orch.Engine.Volumes;

/// <summary>
/// The local volume driver: ROOT/NAME/_data is the data, ROOT/NAME/volume.json the metadata. A volume exists
/// once its volume.json does (written temp + fsync + rename, after _data is made), so a crash mid-create
/// leaves nothing visible. Removal first renames the directory to a hidden ".trash-…" name (one atomic step,
/// and no valid volume name starts with '.'), then deletes it; leftovers of a crash are swept at start-up.
/// One lock serialises every operation of this daemon (volume calls are rare and quick, except pruning).
/// </summary>
public sealed class LocalVolumeStore : IVolumeStore
{
    private const string MetadataFile = "volume.json";
    private const string TrashPrefix = ".trash-";
    private readonly string root;
    private readonly Lock gate = new();

    /// <param name="root">The volumes directory, DATA-ROOT/volumes.</param>
    public LocalVolumeStore(string root)
    {
        this.root = root;
        Directory.CreateDirectory(root);
        // Docker's 0701: others may traverse to a bind-mounted _data but not list the volumes.
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
        foreach (var trash in Directory.EnumerateDirectories(root, TrashPrefix + "*"))
        {
            Directory.Delete(trash, recursive: true);
        }
    }

    public VolumeRecord Create(string? name, IReadOnlyDictionary<string, string> labels)
    {
        var anonymous = string.IsNullOrEmpty(name);
        name = anonymous ? VolumeNames.Anonymous() : name!;
        VolumeNames.Check(name);
        lock (gate)
        {
            if (Read(name) is { } existing)
            {
                return existing;
            }
            var dir = Path.Combine(root, name);
            Directory.CreateDirectory(Path.Combine(dir, "_data"));
            var meta = new VolumeMetadata(name, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
                new Dictionary<string, string>(labels, StringComparer.Ordinal), anonymous);
            WriteAtomically(Path.Combine(dir, MetadataFile), JsonSerializer.SerializeToUtf8Bytes(meta, VolumeJsonContext.Default.VolumeMetadata));
            return ToRecord(meta);
        }
    }

    public VolumeRecord? Get(string name)
    {
        lock (gate)
        {
            return IsPlausible(name) ? Read(name) : null;
        }
    }

    public IReadOnlyList<VolumeRecord> List()
    {
        lock (gate)
        {
            return Directory.EnumerateDirectories(root)
                .Select(Path.GetFileName)
                .Where(n => n is not null && !n.StartsWith('.'))
                .Select(n => Read(n!))
                .OfType<VolumeRecord>()
                .OrderBy(v => v.Name, StringComparer.Ordinal)
                .ToList();
        }
    }

    public void Remove(string name, bool force, Func<string, bool> inUse)
    {
        lock (gate)
        {
            if (!IsPlausible(name) || Read(name) is null)
            {
                if (force)
                {
                    return;
                }
                throw new VolumeException(VolumeError.NotFound, $"get {name}: no such volume");
            }
            if (inUse(name))
            {
                throw new VolumeException(VolumeError.InUse, $"remove {name}: volume is in use");
            }
            Delete(name);
        }
    }

    public IReadOnlyList<VolumeRecord> Prune(Func<string, bool> inUse)
    {
        var removed = new List<VolumeRecord>();
        foreach (var v in List())
        {
            lock (gate)
            {
                if (inUse(v.Name) || Read(v.Name) is null)
                {
                    continue;
                }
                var size = DirectorySize(v.Mountpoint);
                Delete(v.Name);
                removed.Add(v with { Size = size });
            }
        }
        return removed;
    }

    private void Delete(string name)
    {
        var trash = Path.Combine(root, TrashPrefix + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.Move(Path.Combine(root, name), trash);
        Directory.Delete(trash, recursive: true);
    }

    /// <summary>A name that could be a volume directory; anything else (e.g. "../x") is simply not found.</summary>
    private static bool IsPlausible(string name) =>
        name.Length > 0 && !name.StartsWith('.') && !name.Contains('/', StringComparison.Ordinal);

    private VolumeRecord? Read(string name)
    {
        var path = Path.Combine(root, name, MetadataFile);
        if (!File.Exists(path))
        {
            return null;
        }
        var meta = JsonSerializer.Deserialize(File.ReadAllBytes(path), VolumeJsonContext.Default.VolumeMetadata)
                   ?? throw new InvalidDataException($"empty volume metadata {path}");
        return ToRecord(meta);
    }

    private VolumeRecord ToRecord(VolumeMetadata m) =>
        new(m.Name, Path.Combine(root, m.Name, "_data"), m.Created, m.Labels, m.Anonymous);

    private static void WriteAtomically(string path, byte[] content)
    {
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(content);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Bytes of regular files below <paramref name="dir"/>, not following symlinks (what prune reclaims).</summary>
    private static long DirectorySize(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return 0;
        }
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            IgnoreInaccessible = true,
        };
        return new DirectoryInfo(dir).EnumerateFiles("*", options).Sum(f => f.Length);
    }
}
