namespace Orch.Engine.Build;

public sealed partial class ImageBuilder
{
    /// <summary>
    /// WORKDIR sets the working directory and, as Docker does, creates it when the image lacks it (a layer
    /// with the new directories); when it exists the step changes only the config.
    /// </summary>
    private async Task<BuildState> WorkdirStepAsync(StageContext sc, Instruction i, BuildOptions o, StepWriter w, CancellationToken ct)
    {
        var arg = sc.Words.Word(i.Args.Trim());
        if (arg.Length == 0)
        {
            throw sc.Error(i, "WORKDIR requires exactly one argument");
        }
        var current = sc.State.C.WorkingDir is { Length: > 0 } wd ? wd : "/";
        var path = "/" + DockerIgnore.Clean(arg.StartsWith('/') ? arg : current.TrimEnd('/') + "/" + arg);
        if (path == "/.")
        {
            path = "/";
        }
        var createdBy = Nop + "WORKDIR " + path;
        var key = BuildCache.Key(sc.State.Id, createdBy, "");
        var state = sc.State;
        return await CachedAsync(sc, i, key, o, w, async () =>
        {
            var config = state.CopyConfig();
            config.Config!.WorkingDir = path;
            using var view = new RootfsView(options.ExecRoot, ChainDirs(state));
            var writer = new LayerWriter("", view, null, null);
            if (writer.ImageHasDir(path))
            {
                return state.Next(config, createdBy, null);
            }
            var temp = images.NewLayerDir();
            new LayerWriter(Path.Combine(temp, "fs"), view, null, null).EnsureDir(path);
            var layer = await images.CommitLayerAsync(temp, state.Layers, ct);
            return state.Next(config, createdBy, layer);
        });
    }
}
