using System.Text;
using Orch.Engine.Images;
using Orch.Engine.Runtime;

namespace Orch.Engine.Build;

public sealed partial class ImageBuilder
{
    /// <summary>Files the launcher creates as bind-mount targets; never part of a RUN's layer (Docker's init layer).</summary>
    private static readonly string[] MountStubs = ["etc/hostname", "etc/hosts", "etc/resolv.conf"];

    private async Task<BuildState> RunStepAsync(StageContext sc, Instruction i, BuildOptions o, StepWriter w, CancellationToken ct)
    {
        var argv = CommandOf(sc, i);
        var argEnv = sc.ArgEnv();
        // As the classic builder records build args in history: "|1 V=x /bin/sh -c …".
        var createdBy = (argEnv.Count > 0 ? $"|{argEnv.Count} {string.Join(' ', argEnv)} " : "") + string.Join(' ', argv);
        var key = BuildCache.Key(sc.State.Id, "RUN " + createdBy, "");
        var state = sc.State;
        return await CachedAsync(sc, i, key, o, w, () => RunContainerAsync(state, argv, argEnv, createdBy, w, ct));
    }

    /// <summary>
    /// Runs the command in a container of <paramref name="state"/>, streams its output, and on exit 0 turns
    /// the container's overlay upper dir into the next layer (moved, not copied, into the layer store).
    /// </summary>
    private async Task<BuildState> RunContainerAsync(BuildState state, List<string> argv, List<string> argEnv, string createdBy, StepWriter w, CancellationToken ct)
    {
        var layerDirs = Digest.ChainIds(state.Layers.Select(l => l.DiffId).ToList()).Select(images.LayerDir).ToList();
        var reference = "build-" + Guid.NewGuid().ToString("N");
        var c = state.C;
        source.Add(reference, new ImageRecord(reference, [], new ImageConfig
        {
            Env = c.Env ?? [],
            WorkingDir = c.WorkingDir ?? "",
            User = c.User ?? "",
        }, layerDirs, 0, DateTimeOffset.UtcNow));
        ContainerRecord? container = null;
        try
        {
            container = runtime.Create(new CreateOptions
            {
                Image = reference,
                Cmd = argv,
                EntrypointSet = true,
                Env = argEnv,
                // Docker's default for RUN; host only when this daemon has no bridge.
                NetworkMode = bridge ? "bridge" : "host",
            });
            await w.LineAsync($" ---> Running in {container.Id[..12]}");
            var code = await StreamUntilExitAsync(container.Id, w, ct);
            if (code != 0)
            {
                var held = w.Held;
                throw new BuildException($"The command '{string.Join(' ', argv)}' returned a non-zero code: {code}" + (held.Length > 0 ? "\n" + held.TrimEnd() : ""), code);
            }
            var upper = snapshots.UpperPath(container.Id);
            RemoveMountStubs(upper, layerDirs);
            var temp = images.NewLayerDir();
            Directory.Delete(Path.Combine(temp, "fs"));
            Directory.Move(upper, Path.Combine(temp, "fs"));
            var layer = await images.CommitLayerAsync(temp, state.Layers, ct);
            await w.LineAsync($"Removing intermediate container {container.Id[..12]}");
            return state.Next(state.CopyConfig(), createdBy, layer);
        }
        catch (RuntimeException e)
        {
            throw new BuildException($"The command '{string.Join(' ', argv)}' could not run: {e.Message}", e.ExitCode is > 0 and < 256 ? e.ExitCode : 1);
        }
        finally
        {
            source.Remove(reference);
            if (container is not null)
            {
                await runtime.RemoveAsync(container.Id, force: true, removeVolumes: false, CancellationToken.None);
            }
        }
    }

    private async Task<int> StreamUntilExitAsync(string id, StepWriter w, CancellationToken ct)
    {
        var (reader, detach) = await runtime.AttachAsync(id, ct);
        var decoder = Encoding.UTF8.GetDecoder();
        try
        {
            await foreach (var e in reader.ReadAllAsync(ct))
            {
                if (e.ExitCode is { } code)
                {
                    return code;
                }
                if (e.Data.Length > 0)
                {
                    var chars = new char[decoder.GetCharCount(e.Data, flush: false)];
                    decoder.GetChars(e.Data, chars, flush: false);
                    await w.RawAsync(new string(chars));
                }
            }
        }
        finally
        {
            detach();
        }
        return -1;
    }

    private static void RemoveMountStubs(string upper, IReadOnlyList<string> layerDirs)
    {
        foreach (var stub in MountStubs)
        {
            var p = Path.Combine(upper, stub);
            if (FileStat.Lstat(p) is { Type: FileStat.S_IFREG, Size: 0 } && !layerDirs.Any(l => File.Exists(Path.Combine(l, stub))))
            {
                File.Delete(p);
            }
        }
        // The copy-up of /etc made only to hold the stubs.
        var etc = Path.Combine(upper, "etc");
        if (Directory.Exists(etc) && !Directory.EnumerateFileSystemEntries(etc).Any()
            && layerDirs.Any(l => Directory.Exists(Path.Combine(l, "etc")))
            && Images.Layers.LayerSyscalls.GetXattr(etc, "trusted.overlay.opaque") != "y")
        {
            Directory.Delete(etc);
        }
    }
}
