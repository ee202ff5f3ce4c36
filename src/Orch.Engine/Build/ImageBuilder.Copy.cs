using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Orch.Engine.Images;
using Orch.Engine.Runtime;

namespace Orch.Engine.Build;

public sealed partial class ImageBuilder
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private async Task<BuildState> CopyStepAsync(StageContext sc, Instruction i, BuildContextDir ctx, BuildOptions o,
        Dictionary<int, BuildState> results, List<Stage> stages, StepWriter w, CancellationToken ct)
    {
        var words = i.Json is { } json ? json.Select(sc.Words.Word).ToList() : sc.Words.Words(i.Args);
        if (words.Count < 2)
        {
            throw sc.Error(i, $"{i.Keyword} requires at least two arguments, but only {words.Count} provided");
        }
        var add = i.Keyword == "ADD";
        var dest = words[^1];
        var patterns = words[..^1];
        var workdir = sc.State.C.WorkingDir is { Length: > 0 } wd ? wd : "/";
        var destPath = dest.StartsWith('/') ? dest : workdir.TrimEnd('/') + "/" + dest;
        var destIsDir = dest.EndsWith('/') || dest is "." or "..";

        // Where the sources come from: the context (minus .dockerignore), a stage, or an image.
        string? fromRoot = null;
        IReadOnlyList<string> fromLayers = [];
        var fromKey = "";
        if (i.Flag("from") is { } fromRef)
        {
            if (add)
            {
                throw sc.Error(i, "ADD: unknown flag: from");
            }
            var name = sc.Words.Word(fromRef);
            if (FindStage(stages, name, sc.Stage.Index) is { } dep)
            {
                var s = results[dep.Index];
                fromLayers = ChainDirs(s);
                fromKey = s.Id;
            }
            else
            {
                var img = images.OpenBase(name) ?? throw sc.Error(i, $"COPY --from: no stage or image named {name}");
                fromLayers = ChainDirs(new BuildState(images.Content.Read(img.Id), img.Layers, img.Id));
                fromKey = img.Id;
            }
        }
        (uint, uint)? chownIds = null;
        var chownSpec = i.Flag("chown") is { } cs ? sc.Words.Word(cs) : null;
        uint? chmod = null;
        if (i.Flag("chmod") is { } cm)
        {
            chmod = uint.TryParse(cm, NumberStyles.None, CultureInfo.InvariantCulture, out _) && cm.All(ch => ch is >= '0' and <= '7') && cm.Length <= 4
                ? Convert.ToUInt32(cm, 8)
                : throw sc.Error(i, $"invalid chmod parameter: {cm}");
        }

        using var fromView = fromKey.Length > 0 ? new RootfsView(options.ExecRoot, fromLayers) : null;
        fromRoot = fromView?.Path ?? ctx.Root;
        Func<string, bool> excluded = fromView is null ? ctx.Ignore.Excludes : _ => false;

        // URLs (ADD only) are fetched first: their content is part of the cache key.
        using var downloads = new TempDir(Path.Combine(options.DataRoot, "builder", "tmp"));
        var sources = new List<(string Full, string Rel, bool Url)>();
        foreach (var p in patterns)
        {
            if (p.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || p.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                if (!add)
                {
                    throw sc.Error(i, $"COPY: source can't be a URL for COPY: {p}");
                }
                sources.Add((await DownloadAsync(sc, i, p, downloads.Path, ct), UrlName(p), true));
                continue;
            }
            var matched = Match(fromRoot, p, excluded, fromView is not null);
            if (matched.Count == 0)
            {
                throw sc.Error(i, $"{i.Keyword} failed: file not found in build context or excluded by .dockerignore: stat {p}: file does not exist");
            }
            sources.AddRange(matched.Select(m => (m.Full, m.Rel, false)));
        }
        if (sources.Count > 1 && !destIsDir)
        {
            throw sc.Error(i, $"When using {i.Keyword} with more than one source file, the destination must be a directory and end with a /");
        }

        var contentHash = fromKey.Length > 0 ? fromKey : BuildContextDir.Hash(sources.Select(s => (s.Full, s.Rel)), excluded);
        var flags = string.Join(' ', i.Flags.Select(f => "--" + f.Key + "=" + f.Value));
        var createdBy = Nop + $"{i.Keyword} {(sources.Count > 1 ? "multi" : sources[0].Url || File.Exists(sources[0].Full) ? "file" : "dir")}:{Digest.Hex(contentHash)} in {destPath} ";
        var key = BuildCache.Key(sc.State.Id, $"{i.Keyword} {flags} {string.Join(' ', patterns)} {destPath}", contentHash);
        var state = sc.State;
        return await CachedAsync(sc, i, key, o, w, async () =>
        {
            using var view = new RootfsView(options.ExecRoot, ChainDirs(state));
            if (chownSpec is not null)
            {
                chownIds = ResolveChown(sc, i, chownSpec, view);
            }
            var temp = images.NewLayerDir();
            try
            {
                var writer = new LayerWriter(Path.Combine(temp, "fs"), view, chownIds, chmod);
                var intoDir = destIsDir || writer.ImageHasDir(destPath);
                foreach (var (full, rel, url) in sources)
                {
                    var st = FileStat.Lstat(full);
                    if (st is { Type: FileStat.S_IFDIR })
                    {
                        writer.EnsureDir(destPath);
                        foreach (var name in Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).Order(StringComparer.Ordinal))
                        {
                            var childRel = rel == "." ? name! : rel + "/" + name;
                            if (!excluded(childRel))
                            {
                                writer.CopyTree(Path.Combine(full, name!), destPath.TrimEnd('/') + "/" + name, childRel, excluded);
                            }
                        }
                    }
                    else if (add && !url && LayerWriter.IsArchive(full))
                    {
                        await writer.ExtractAsync(full, destPath, ct);
                    }
                    else
                    {
                        var target = intoDir ? destPath.TrimEnd('/') + "/" + Path.GetFileName(rel) : destPath;
                        writer.CopyTree(full, target, rel, excluded);
                        if (url && chmod is null)
                        {
                            // Docker: a file ADDed from a URL gets mode 0600.
                            File.SetUnixFileMode(writer.HostPath(target), UnixFileMode.UserRead | UnixFileMode.UserWrite);
                        }
                    }
                }
            }
            catch
            {
                Images.Layers.LayerStore.Discard(temp);
                throw;
            }
            var layer = await images.CommitLayerAsync(temp, state.Layers, ct);
            return state.Next(state.CopyConfig(), createdBy, layer);
        });
    }

    private List<string> ChainDirs(BuildState s) =>
        [.. Digest.ChainIds(s.Layers.Select(l => l.DiffId).ToList()).Select(images.LayerDir)];

    /// <summary>Sources matching one pattern (filepath.Match per segment), excluding ignored paths.</summary>
    private static List<(string Full, string Rel)> Match(string root, string pattern, Func<string, bool> excluded, bool imageRoot)
    {
        var clean = DockerIgnore.Clean(pattern);
        if (clean.IndexOfAny(['*', '?', '[']) < 0)
        {
            var full = imageRoot ? Snapshots.RootfsPath.Join(root, "/" + clean) : Path.Combine(root, clean);
            return FileStat.Lstat(full) is not null && (clean == "." || !excluded(clean)) ? [(full, clean)] : [];
        }
        var current = new List<(string Full, string Rel)> { (root, ".") };
        foreach (var seg in clean.Split('/'))
        {
            var next = new List<(string, string)>();
            var regex = seg.IndexOfAny(['*', '?', '[']) >= 0 ? new Regex("^" + Regex.Escape(seg).Replace("\\*", "[^/]*", StringComparison.Ordinal).Replace("\\?", "[^/]", StringComparison.Ordinal).Replace("\\[", "[", StringComparison.Ordinal) + "$") : null;
            foreach (var (full, rel) in current)
            {
                if (!Directory.Exists(full))
                {
                    continue;
                }
                List<string> names;
                if (regex is null)
                {
                    names = FileStat.Lstat(Path.Combine(full, seg)) is not null ? [seg] : [];
                }
                else
                {
                    names = [.. Directory.EnumerateFileSystemEntries(full).Select(p => Path.GetFileName(p)!).Where(n => regex.IsMatch(n)).Order(StringComparer.Ordinal)];
                }
                foreach (var n in names)
                {
                    var r = rel == "." ? n : rel + "/" + n;
                    if (!excluded(r))
                    {
                        next.Add((Path.Combine(full, n), r));
                    }
                }
            }
            current = next;
        }
        return current;
    }

    private static (uint, uint) ResolveChown(StageContext sc, Instruction i, string spec, RootfsView view)
    {
        try
        {
            var colon = spec.IndexOf(':', StringComparison.Ordinal);
            var u = UserResolver.Resolve(colon < 0 ? spec : spec[..colon], view.ReadText("/etc/passwd"), view.ReadText("/etc/group"));
            var gid = colon < 0 ? u.Uid : UserResolver.Resolve("0:" + spec[(colon + 1)..], view.ReadText("/etc/passwd"), view.ReadText("/etc/group")).Gid;
            return (u.Uid, gid);
        }
        catch (RuntimeException e)
        {
            throw sc.Error(i, $"unable to convert uid/gid chown string to host mapping: {e.Message}");
        }
    }

    private static string UrlName(string url)
    {
        var path = new Uri(url).AbsolutePath.TrimEnd('/');
        var name = path[(path.LastIndexOf('/') + 1)..];
        return name.Length > 0 ? name : "index.html";
    }

    private static async Task<string> DownloadAsync(StageContext sc, Instruction i, string url, string dir, CancellationToken ct)
    {
        var target = Path.Combine(dir, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), UrlName(url));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw sc.Error(i, $"ADD failed: failed to GET {url} with status {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            await using var file = File.Create(target);
            await response.Content.CopyToAsync(file, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw sc.Error(i, $"ADD failed: unable to fetch {url}: {e.Message}");
        }
        return target;
    }

    /// <summary>A scratch directory removed with its content when the step ends.</summary>
    private sealed class TempDir : IDisposable
    {
        public TempDir(string parent)
        {
            Path = System.IO.Path.Combine(parent, Guid.NewGuid().ToString("N"));
        }

        public string Path { get; }

        public void Dispose()
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
    }
}
