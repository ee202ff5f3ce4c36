using Microsoft.Extensions.Logging;
using Orch.Engine.Images;
using Orch.Engine.Network;
using Orch.Engine.Runtime;
using Orch.Engine.Runtime.Cgroups;
using Orch.Engine.Snapshots;

namespace Orch.Engine.Build;

/// <summary>
/// `orch build`, Docker's classic builder on this engine: each step starts from the state the previous one
/// left (config + layers), RUN runs in a real container of that state and its writable layer becomes the
/// next layer, COPY/ADD write a layer from the context. Every step is looked up in the <see cref="BuildCache"/>
/// first. Only the target stage and the stages it needs are built; only the target becomes an image.
/// RUN containers belong to a runtime of the builder's own (DATA/builder, EXEC/builder): they never show in
/// `orch ps`, and a build's leftovers are swept when the builder starts.
/// </summary>
public sealed partial class ImageBuilder
{
    private readonly EngineOptions options;
    private readonly ImageStore images;
    private readonly ContainerRuntime runtime;
    private readonly OverlaySnapshotter snapshots;
    private readonly BuildImageSource source = new();
    private readonly BuildCache cache;
    private readonly ILogger<ImageBuilder> logger;
    private readonly bool bridge;

    public ImageBuilder(EngineOptions options, ImageStore images, ILoggerFactory loggers, ICgroupDriver? cgroups, INetworkDriver? network)
    {
        this.options = options;
        this.images = images;
        logger = loggers.CreateLogger<ImageBuilder>();
        cache = new BuildCache(options.DataRoot);
        var own = new EngineOptions
        {
            DataRoot = Path.Combine(options.DataRoot, "builder"),
            ExecRoot = Path.Combine(options.ExecRoot, "builder"),
            Bridge = options.Bridge,
            Subnet = options.Subnet,
            CgroupParent = options.CgroupParent,
            LauncherDir = options.LauncherDir,
        };
        snapshots = new OverlaySnapshotter(own);
        SweepLeftovers(own);
        bridge = network is not null;
        runtime = new ContainerRuntime(own, source, new ContainerStore(own), snapshots, loggers.CreateLogger<ContainerRuntime>(),
            TimeProvider.System, cgroups, network);
    }

    /// <summary>Number of cached steps (for `orch system df`).</summary>
    public int CacheEntries => cache.Count;

    /// <summary>
    /// `orch builder prune` (and `orch system prune`): forgets every cached step and deletes the layers only
    /// the cache referred to. Returns the number of entries removed and the unpacked bytes freed.
    /// </summary>
    public (int Entries, long Reclaimed) PruneCache()
    {
        var (count, stacks) = cache.Clear();
        var freed = images.ReleaseUnreferenced(stacks);
        LogPruned(count, freed);
        return (count, freed);
    }

    /// <summary>Builds; returns the image ID. Progress goes to <paramref name="output"/> as Docker prints it.</summary>
    public async Task<string> BuildAsync(BuildOptions o, Func<string, ValueTask> output, CancellationToken ct)
    {
        var df = DockerfileParser.Parse(o.DockerfileText, o.DockerfileName);
        var (globalArgs, stages) = Stage.Split(df);
        var globals = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var a in globalArgs)
        {
            foreach (var (k, v) in ParseArg(a, new ShellWords(n => globals.GetValueOrDefault(n), df.Escape), df))
            {
                globals[k] = o.BuildArgs.TryGetValue(k, out var given) ? given : v;
            }
        }
        var target = TargetStage(o, stages);
        if (o.Labels.Count > 0)
        {
            // As Docker's classic builder: --label is a LABEL step appended to the (target) stage.
            var text = "LABEL " + string.Join(' ', o.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => Quote(l.Key) + "=" + Quote(l.Value)));
            target.Instructions.Add(DockerfileParser.ParseInstruction(text, df.FileName, 0));
        }
        var needed = NeededStages(stages, target, globals, df.Escape);
        var total = needed.Sum(s => 1 + s.Instructions.Count);
        var ctx = new BuildContextDir(o.ContextDir);
        var results = new Dictionary<int, BuildState>();
        var step = 0;
        var w = new StepWriter(output, o.Quiet);
        BuildState? final = null;
        foreach (var stage in needed)
        {
            var sc = new StageContext(stage, df.FileName, df.Escape);
            await w.LineAsync($"Step {++step}/{total} : {stage.From.Original}");
            sc.State = await FromAsync(sc, stage.From, globals, stages, results, o, w, ct);
            await w.LineAsync($" ---> {Digest.Short(sc.State.Id)}");
            await RunTriggersAsync(sc, ctx, o, results, stages, w, ct);
            foreach (var i in stage.Instructions)
            {
                await w.LineAsync($"Step {++step}/{total} : {i.Original}");
                sc.State = await StepAsync(sc, i, ctx, o, results, stages, w, ct);
                await w.LineAsync($" ---> {Digest.Short(sc.State.Id)}");
            }
            results[stage.Index] = sc.State;
            final = sc.State;
        }
        var id = final!.IsBase && o.Tags.Count == 0 ? final.Id : Register(final, o.Tags);
        await w.LineAsync($"Successfully built {Digest.Short(id)}");
        foreach (var t in o.Tags)
        {
            await w.LineAsync($"Successfully tagged {ImageReference.Parse(t).WithDefaultTag().Familiar}");
        }
        LogBuilt(id, step);
        return id;
    }

    private string Register(BuildState final, IReadOnlyList<string> tags)
    {
        if (final.IsBase)
        {
            foreach (var t in tags)
            {
                images.Tag(final.Id, t);
            }
            return final.Id;
        }
        return images.RegisterBuilt(final.Config, final.Layers, tags);
    }

    private static Stage TargetStage(BuildOptions o, List<Stage> stages)
    {
        if (string.IsNullOrEmpty(o.Target))
        {
            return stages[^1];
        }
        return stages.FirstOrDefault(s => s.Name == o.Target.ToLowerInvariant())
            ?? throw new BuildException($"failed to reach build target {o.Target} in Dockerfile");
    }

    /// <summary>The target and, transitively, the stages it starts FROM or COPYs --from; in file order.</summary>
    private static List<Stage> NeededStages(List<Stage> stages, Stage target, Dictionary<string, string?> globals, char escape)
    {
        var words = new ShellWords(n => globals.GetValueOrDefault(n), escape);
        var needed = new HashSet<int>();
        var todo = new Stack<Stage>([target]);
        while (todo.TryPop(out var s))
        {
            if (!needed.Add(s.Index))
            {
                continue;
            }
            var refs = new List<string> { words.Word(s.From.Args.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0]) };
            refs.AddRange(s.Instructions.Where(i => i.Keyword == "COPY" && i.Flag("from") is not null).Select(i => words.Word(i.Flag("from")!)));
            foreach (var r in refs)
            {
                if (FindStage(stages, r, s.Index) is { } dep)
                {
                    todo.Push(dep);
                }
            }
        }
        return [.. stages.Where(s => needed.Contains(s.Index))];
    }

    /// <summary>A stage named (case-insensitively) or numbered <paramref name="reference"/>, defined before <paramref name="before"/>.</summary>
    private static Stage? FindStage(List<Stage> stages, string reference, int before)
    {
        var lower = reference.ToLowerInvariant();
        var byName = stages.FirstOrDefault(s => s.Index < before && s.Name == lower);
        if (byName is not null)
        {
            return byName;
        }
        return int.TryParse(reference, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n < before
            ? stages[n]
            : null;
    }

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/' or ':') ? s : "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private void SweepLeftovers(EngineOptions own)
    {
        // A daemon killed mid-RUN leaves a build container: its mount, upper dir and exec dir go now.
        var containers = Path.Combine(own.DataRoot, "containers");
        if (Directory.Exists(containers))
        {
            foreach (var dir in Directory.EnumerateDirectories(containers))
            {
                try
                {
                    snapshots.Remove(Path.GetFileName(dir));
                    Directory.Delete(dir, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    LogSweepFailed(dir, e.Message);
                }
            }
        }
        var views = Path.Combine(own.ExecRoot, "views");
        if (Directory.Exists(views))
        {
            foreach (var dir in Directory.EnumerateDirectories(views))
            {
                Linux.Libc.Unmount(dir, Linux.Libc.MntDetach);
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "built image {ImageId} in {Steps} steps")]
    private partial void LogBuilt(string imageId, int steps);

    [LoggerMessage(Level = LogLevel.Information, Message = "build cache pruned: {Entries} entries, {Bytes} bytes")]
    private partial void LogPruned(int entries, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not remove build leftover {Dir}: {Reason}")]
    private partial void LogSweepFailed(string dir, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "build step {Keyword} at line {Line}: cache {Outcome}")]
    private partial void LogStep(string keyword, int line, string outcome);
}
