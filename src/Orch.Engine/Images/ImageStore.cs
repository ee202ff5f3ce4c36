using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orch.Engine.Images.Layers;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Images;

/// <summary>
/// The node's images: content-addressed blobs (<see cref="ContentStore"/>), unpacked layers shared by chain
/// ID (<see cref="LayerStore"/>) and the name index (repositories.json). Every change to the index happens
/// under one lock and is written atomically; the slow parts (receiving and unpacking a layer) run outside it.
/// Images are identified by the digest of their config, as in Docker.
/// </summary>
public sealed partial class ImageStore : IImageStore
{
    private readonly object gate = new();
    private readonly ILogger<ImageStore> logger;
    private readonly string indexPath;
    private readonly Dictionary<string, OciImage> configs = [];
    private readonly ImageIndexFile index;

    public ImageStore(EngineOptions options, ILogger<ImageStore> logger)
    {
        this.logger = logger;
        Content = new ContentStore(Path.Combine(options.DataRoot, "blobs"));
        Layers = new LayerStore(Path.Combine(options.DataRoot, "snapshots"));
        Credentials = new Registry.CredentialStore(Path.Combine(options.DataRoot, "registry-auth.json"));
        InsecureRegistries = options.InsecureRegistries.ToHashSet(StringComparer.OrdinalIgnoreCase);
        indexPath = Path.Combine(options.DataRoot, "images", "repositories.json");
        index = File.Exists(indexPath)
            ? JsonSerializer.Deserialize(File.ReadAllBytes(indexPath), OciJson.Default.ImageIndexFile) ?? new ImageIndexFile()
            : new ImageIndexFile();
        Content.SweepIngest();
        Layers.SweepTemporaries();
    }

    public ContentStore Content { get; }

    /// <summary>`orch login` credentials by registry host.</summary>
    public Registry.CredentialStore Credentials { get; }

    internal LayerStore Layers { get; }

    public ImageRecord? Find(string reference)
    {
        lock (gate)
        {
            var id = TryResolve(reference);
            return id is null ? null : ToRecord(id, index.Images[id]);
        }
    }

    /// <summary>Every image, newest first (`orch images`).</summary>
    public IReadOnlyList<ImageListing> List()
    {
        lock (gate)
        {
            return index.Images
                .Select(kv => new ImageListing(kv.Key, TagsOf(kv.Key), DigestsOf(kv.Key), kv.Value.Created, kv.Value.Size))
                .OrderByDescending(i => i.Created)
                .ThenBy(i => i.Id, StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>Resolves as Docker does: a full ID, then a name (default tag latest), then a unique ID prefix.</summary>
    private string? TryResolve(string reference) => TryResolve(reference, out _);

    private string? TryResolve(string reference, out bool byName)
    {
        byName = false;
        if (Digest.IsValid(reference))
        {
            return index.Images.ContainsKey(reference) ? reference : null;
        }
        if (ImageReference.TryParse(reference, out var parsed))
        {
            var named = parsed!.WithDefaultTag();
            if (named.Digest is not null)
            {
                if (index.Digests.TryGetValue(named.Repository + "@" + named.Digest, out var byDigest))
                {
                    byName = true;
                    return byDigest;
                }
            }
            else if (index.Tags.TryGetValue(named.ToString(), out var byTag))
            {
                byName = true;
                return byTag;
            }
        }
        var hex = reference.StartsWith(Digest.Prefix, StringComparison.Ordinal) ? reference[Digest.Prefix.Length..] : reference;
        if (hex.Length == 0 || !Digest.IsHex(hex))
        {
            return null;
        }
        var matches = index.Images.Keys.Where(k => k.AsSpan(Digest.Prefix.Length).StartsWith(hex, StringComparison.Ordinal)).Take(2).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    private string Resolve(string reference) => Resolve(reference, out _);

    private string Resolve(string reference, out bool byName) =>
        TryResolve(reference, out byName) ?? throw new ImageNotFoundException(DisplayName(reference));

    /// <summary>How Docker names a missing image in its error: "busybox:latest" for a name, as given for an ID.</summary>
    private static string DisplayName(string reference) =>
        ImageReference.TryParse(reference, out var r) && !Digest.IsHex(reference) ? r!.WithDefaultTag().Familiar : reference;

    private List<string> TagsOf(string id) =>
        index.Tags.Where(kv => kv.Value == id).Select(kv => ImageReference.Parse(kv.Key).Familiar).Order(StringComparer.Ordinal).ToList();

    private List<string> DigestsOf(string id) =>
        index.Digests.Where(kv => kv.Value == id).Select(kv => ImageReference.Parse(kv.Key).Familiar).Order(StringComparer.Ordinal).ToList();

    private ImageRecord ToRecord(string id, StoredImage image)
    {
        var config = ConfigOf(id);
        var c = config.Config ?? new OciContainerConfig();
        var imageConfig = new ImageConfig
        {
            Env = c.Env ?? [],
            Entrypoint = c.Entrypoint ?? [],
            Cmd = c.Cmd ?? [],
            WorkingDir = c.WorkingDir ?? "",
            User = c.User ?? "",
            StopSignal = string.IsNullOrEmpty(c.StopSignal) ? null : c.StopSignal,
            ExposedPorts = c.ExposedPorts?.Keys.Order(StringComparer.Ordinal).ToList() ?? [],
            Labels = c.Labels ?? [],
        };
        var dirs = image.ChainIds.Select(Layers.FsDir).ToList();
        return new ImageRecord(id, TagsOf(id), imageConfig, dirs, image.Size, image.Created);
    }

    private OciImage ConfigOf(string id)
    {
        if (!configs.TryGetValue(id, out var config))
        {
            config = OciJson.ParseImage(Content.Read(id));
            configs[id] = config;
        }
        return config;
    }

    /// <summary>
    /// Writes the index atomically; callers hold <see cref="gate"/>. With <paramref name="durableBy"/>, that sync
    /// (run after the temp file is written, before the rename) makes it durable instead of its own fsync.
    /// </summary>
    private void SaveIndex(Action? durableBy = null) =>
        AtomicFile.WriteAllBytes(indexPath, JsonSerializer.SerializeToUtf8Bytes(index, OciJson.Default.ImageIndexFile), (UnixFileMode)0x1A4 /* 0644 */, durableBy);
}

/// <summary>One row of `orch images`.</summary>
public sealed record ImageListing(string Id, IReadOnlyList<string> RepoTags, IReadOnlyList<string> RepoDigests, DateTimeOffset Created, long Size);
