using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orch.Engine.Images;

namespace Orch.Engine.Build;

/// <summary>One cached step: the state it produced (config bytes) and that state's layers.</summary>
internal sealed class CacheEntry
{
    [JsonPropertyName("config")] public string Config { get; set; } = "";
    [JsonPropertyName("layers")] public List<CachedLayer> Layers { get; set; } = [];
    [JsonPropertyName("used")] public DateTimeOffset Used { get; set; }
}

internal sealed class CachedLayer
{
    [JsonPropertyName("diff_id")] public string DiffId { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
}

internal sealed class CacheFile
{
    [JsonPropertyName("entries")] public Dictionary<string, CacheEntry> Entries { get; set; } = [];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CacheFile))]
internal sealed partial class BuildCacheJson : JsonSerializerContext;

/// <summary>
/// The build cache: step key → resulting state, in DATA/builder/cache.json, rewritten atomically (temp +
/// fsync + rename) after every new step, so it survives a daemon restart or kill. The key is a digest of the
/// parent state's ID, the instruction after substitution, and for COPY/ADD the hash of the copied files.
/// An entry whose layers were since removed (rmi, prune) is a miss, not an error.
/// </summary>
internal sealed class BuildCache
{
    private readonly Lock gate = new();
    private readonly string path;
    private readonly CacheFile file;

    public BuildCache(string dataRoot)
    {
        path = Path.Combine(dataRoot, "builder", "cache.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        file = File.Exists(path)
            ? JsonSerializer.Deserialize(File.ReadAllBytes(path), BuildCacheJson.Default.CacheFile) ?? new CacheFile()
            : new CacheFile();
    }

    public static string Key(string parentId, string instruction, string extra) =>
        Digest.Of(Encoding.UTF8.GetBytes(parentId + "\n" + instruction + "\n" + extra));

    public BuildState? Get(string key, ImageStore images)
    {
        CacheEntry? e;
        lock (gate)
        {
            if (!file.Entries.TryGetValue(key, out e))
            {
                return null;
            }
        }
        var layers = e.Layers.Select(l => new BuiltLayer(l.DiffId, l.Size)).ToList();
        if (!images.HasLayers(layers))
        {
            return null;
        }
        return new BuildState(Convert.FromBase64String(e.Config), layers, null);
    }

    public void Put(string key, BuildState state)
    {
        lock (gate)
        {
            file.Entries[key] = new CacheEntry
            {
                Config = Convert.ToBase64String(state.Bytes),
                Layers = [.. state.Layers.Select(l => new CachedLayer { DiffId = l.DiffId, Size = l.Size })],
                Used = DateTimeOffset.UtcNow,
            };
            Save();
        }
    }

    /// <summary>Empties the cache; returns every layer stack it referred to (for the store to release).</summary>
    public (int Count, List<IReadOnlyList<BuiltLayer>> Stacks) Clear()
    {
        lock (gate)
        {
            var stacks = file.Entries.Values
                .Select(e => (IReadOnlyList<BuiltLayer>)e.Layers.Select(l => new BuiltLayer(l.DiffId, l.Size)).ToList())
                .ToList();
            var count = file.Entries.Count;
            file.Entries.Clear();
            Save();
            return (count, stacks);
        }
    }

    public int Count
    {
        get
        {
            lock (gate)
            {
                return file.Entries.Count;
            }
        }
    }

    private void Save() => AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(file, BuildCacheJson.Default.CacheFile));
}
