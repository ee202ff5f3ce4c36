using System.Globalization;
using Orch.Engine.Images;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Build;

public sealed partial class ImageBuilder
{
    private const string Nop = "/bin/sh -c #(nop) ";

    private async Task<BuildState> FromAsync(StageContext sc, Instruction from, Dictionary<string, string?> globals,
        List<Stage> stages, Dictionary<int, BuildState> results, BuildOptions o, StepWriter w, CancellationToken ct)
    {
        var words = new ShellWords(n => globals.GetValueOrDefault(n), sc.Escape);
        var name = words.Word(from.Args.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0]);
        if (name.Length == 0)
        {
            throw sc.Error(from, "base name (" + from.Args + ") should not be blank");
        }
        // Global ARGs are visible to FROM only; inside the stage `ARG NAME` brings one in.
        sc.Globals = globals;
        if (FindStage(stages, name, sc.Stage.Index) is { } dep)
        {
            return results[dep.Index];
        }
        if (name.Equals("scratch", StringComparison.OrdinalIgnoreCase))
        {
            return BuildState.Scratch();
        }
        var found = o.Pull ? null : images.OpenBase(name);
        if (found is null)
        {
            try
            {
                await images.PullAsync(name, _ => ValueTask.CompletedTask, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (!o.Pull || images.OpenBase(name) is null)
                {
                    throw sc.Error(from, $"pull access denied for {name}, repository does not exist or may require 'orch login': {e.Message}");
                }
                await w.LineAsync($" ---> could not pull {name} ({e.Message}); using the local image");
            }
            found = images.OpenBase(name) ?? throw sc.Error(from, $"No such image: {name}");
        }
        return new BuildState(Content(found), found.Layers, found.Id);
    }

    private byte[] Content(BaseImage b) => images.Content.Read(b.Id);

    /// <summary>A base image's ONBUILD triggers run right after FROM and are not inherited further.</summary>
    private async Task RunTriggersAsync(StageContext sc, BuildContextDir ctx, BuildOptions o, Dictionary<int, BuildState> results,
        List<Stage> stages, StepWriter w, CancellationToken ct)
    {
        var triggers = sc.State.C.OnBuild;
        if (triggers is not { Count: > 0 })
        {
            return;
        }
        await w.LineAsync($" # Executing {triggers.Count} build trigger{(triggers.Count == 1 ? "" : "s")}");
        var config = sc.State.CopyConfig();
        config.Config!.OnBuild = null;
        sc.State = new BuildState(config, sc.State.Layers);
        foreach (var t in triggers)
        {
            var i = DockerfileParser.ParseInstruction(t, sc.FileName, sc.Stage.From.Line);
            sc.State = await StepAsync(sc, i, ctx, o, results, stages, w, ct);
        }
    }

    private async Task<BuildState> StepAsync(StageContext sc, Instruction i, BuildContextDir ctx, BuildOptions o,
        Dictionary<int, BuildState> results, List<Stage> stages, StepWriter w, CancellationToken ct)
    {
        try
        {
            return i.Keyword switch
            {
                "RUN" => await RunStepAsync(sc, i, o, w, ct),
                "COPY" or "ADD" => await CopyStepAsync(sc, i, ctx, o, results, stages, w, ct),
                "WORKDIR" => await WorkdirStepAsync(sc, i, o, w, ct),
                "ARG" => await ArgStepAsync(sc, i, o, w),
                "FROM" => throw sc.Error(i, "FROM inside a stage"),
                _ => await MetaStepAsync(sc, i, o, w),
            };
        }
        catch (FormatException e)
        {
            throw sc.Error(i, $"{i.Keyword}: {e.Message}");
        }
    }

    /// <summary>The cache around one step: reuse the stored state for the same key, else make and store it.</summary>
    private async Task<BuildState> CachedAsync(StageContext sc, Instruction i, string key, BuildOptions o, StepWriter w, Func<Task<BuildState>> make)
    {
        if (!o.NoCache && cache.Get(key, images) is { } hit)
        {
            await w.LineAsync(" ---> Using cache");
            LogStep(i.Keyword, i.Line, "hit");
            return hit;
        }
        var state = await make();
        cache.Put(key, state);
        LogStep(i.Keyword, i.Line, "miss");
        return state;
    }

    private async Task<BuildState> ArgStepAsync(StageContext sc, Instruction i, BuildOptions o, StepWriter w)
    {
        var df = new Dockerfile(sc.FileName, sc.Escape, []);
        var resolved = new List<string>();
        foreach (var (k, v) in ParseArg(i, sc.Words, df))
        {
            var value = o.BuildArgs.TryGetValue(k, out var given) ? given : v ?? sc.Globals.GetValueOrDefault(k);
            sc.Args[k] = value;
            resolved.Add(k + "=" + value);
        }
        var createdBy = Nop + " ARG " + i.Args.Trim();
        var key = BuildCache.Key(sc.State.Id, createdBy, string.Join('\n', resolved));
        var state = sc.State;
        return await CachedAsync(sc, i, key, o, w, () => Task.FromResult(state.Next(state.CopyConfig(), createdBy, null)));
    }

    private static List<KeyValuePair<string, string?>> ParseArg(Instruction i, ShellWords words, Dockerfile df)
    {
        var result = new List<KeyValuePair<string, string?>>();
        foreach (var raw in KeyValueArgs.SplitRaw(i.Args, df.Escape))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? raw : raw[..eq];
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw BuildException.At(df.FileName, i.Line, $"ARG: invalid name '{name}'");
            }
            result.Add(new(name, eq < 0 ? null : words.Word(raw[(eq + 1)..])));
        }
        if (result.Count == 0)
        {
            throw BuildException.At(df.FileName, i.Line, "ARG requires exactly one argument");
        }
        return result;
    }

    private async Task<BuildState> MetaStepAsync(StageContext sc, Instruction i, BuildOptions o, StepWriter w)
    {
        var config = sc.State.CopyConfig();
        var c = config.Config!;
        var words = sc.Words;
        string createdBy;
        switch (i.Keyword)
        {
            case "ENV":
                var env = KeyValueArgs.Parse(i.Args, words, sc.Escape, legacyAllowed: true, "ENV");
                c.Env ??= [];
                foreach (var (k, v) in env)
                {
                    c.Env.RemoveAll(e => e.StartsWith(k + "=", StringComparison.Ordinal));
                    c.Env.Add(k + "=" + v);
                }
                createdBy = Nop + " ENV " + string.Join(' ', env.Select(p => p.Key + "=" + p.Value));
                break;
            case "LABEL":
                var labels = KeyValueArgs.Parse(i.Args, words, sc.Escape, legacyAllowed: true, "LABEL");
                c.Labels ??= [];
                foreach (var (k, v) in labels)
                {
                    c.Labels[k] = v;
                }
                createdBy = Nop + " LABEL " + string.Join(' ', labels.Select(p => p.Key + "=" + p.Value));
                break;
            case "MAINTAINER":
                config.Author = i.Args.Trim();
                createdBy = Nop + " MAINTAINER " + config.Author;
                break;
            case "EXPOSE":
                c.ExposedPorts ??= [];
                var ports = words.Words(i.Args);
                foreach (var p in ports)
                {
                    foreach (var spec in ExpandPort(p))
                    {
                        c.ExposedPorts[spec] = new EmptyObject();
                    }
                }
                createdBy = Nop + " EXPOSE " + string.Join(' ', ports.SelectMany(ExpandPort).Order(StringComparer.Ordinal));
                break;
            case "USER":
                c.User = words.Word(i.Args.Trim());
                if (c.User.Length == 0)
                {
                    throw sc.Error(i, "USER requires exactly one argument");
                }
                createdBy = Nop + " USER " + c.User;
                break;
            case "VOLUME":
                c.Volumes ??= [];
                var vols = i.Json is { } vj ? vj.Select(words.Word).ToList() : words.Words(i.Args);
                if (vols.Count == 0 || vols.Any(v => v.Trim().Length == 0))
                {
                    throw sc.Error(i, "VOLUME specified can not be an empty string");
                }
                foreach (var v in vols)
                {
                    c.Volumes[v] = new EmptyObject();
                }
                createdBy = Nop + " VOLUME [" + string.Join(' ', vols) + "]";
                break;
            case "STOPSIGNAL":
                c.StopSignal = words.Word(i.Args.Trim());
                _ = Runtime.Signals.Parse(c.StopSignal);
                createdBy = Nop + " STOPSIGNAL " + c.StopSignal;
                break;
            case "CMD":
                c.Cmd = CommandOf(sc, i);
                sc.CmdSet = true;
                createdBy = Nop + " CMD " + GoList(c.Cmd);
                break;
            case "ENTRYPOINT":
                c.Entrypoint = CommandOf(sc, i);
                if (!sc.CmdSet)
                {
                    c.Cmd = null;
                }
                createdBy = Nop + " ENTRYPOINT " + GoList(c.Entrypoint);
                break;
            case "SHELL":
                if (i.Json is not { Count: > 0 } shell)
                {
                    throw sc.Error(i, "SHELL requires the arguments to be in JSON form");
                }
                c.Shell = [.. shell];
                createdBy = Nop + " SHELL " + GoList(c.Shell);
                break;
            case "HEALTHCHECK":
                c.Healthcheck = Healthcheck(sc, i);
                createdBy = Nop + " HEALTHCHECK " + (c.Healthcheck.Test is ["NONE"] ? "NONE" : "&{" + GoList(c.Healthcheck.Test!) + "}");
                break;
            case "ONBUILD":
                var trigger = i.Args.Trim();
                var inner = DockerfileParser.ParseInstruction(trigger, sc.FileName, i.Line);
                if (inner.Keyword is "ONBUILD" or "FROM" or "MAINTAINER")
                {
                    throw sc.Error(i, $"{inner.Keyword} isn't allowed as an ONBUILD trigger");
                }
                c.OnBuild ??= [];
                c.OnBuild.Add(trigger);
                createdBy = Nop + " ONBUILD " + trigger;
                break;
            default:
                throw sc.Error(i, $"unknown instruction: {i.Keyword}");
        }
        var key = BuildCache.Key(sc.State.Id, createdBy, "");
        var state = sc.State;
        return await CachedAsync(sc, i, key, o, w, () => Task.FromResult(state.Next(config, createdBy, null)));
    }

    /// <summary>Exec form as written; shell form wrapped in the stage's SHELL (default /bin/sh -c).</summary>
    private static List<string> CommandOf(StageContext sc, Instruction i) =>
        i.Json is { } json ? [.. json] : [.. Shell(sc), i.Args];

    private static List<string> Shell(StageContext sc) => sc.State.C.Shell is { Count: > 0 } s ? [.. s] : ["/bin/sh", "-c"];

    /// <summary>Go's %q of a []string, as Docker's history prints it: ["sh" "-c" "echo hi"].</summary>
    private static string GoList(IEnumerable<string> items) =>
        "[" + string.Join(' ', items.Select(s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "]";

    private static IEnumerable<string> ExpandPort(string p)
    {
        var slash = p.IndexOf('/', StringComparison.Ordinal);
        var proto = slash < 0 ? "tcp" : p[(slash + 1)..].ToLowerInvariant();
        var ports = slash < 0 ? p : p[..slash];
        var dash = ports.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            _ = ushort.Parse(ports, NumberStyles.None, CultureInfo.InvariantCulture);
            return [ports + "/" + proto];
        }
        var lo = ushort.Parse(ports[..dash], NumberStyles.None, CultureInfo.InvariantCulture);
        var hi = ushort.Parse(ports[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
        return Enumerable.Range(lo, hi - lo + 1).Select(n => n.ToString(CultureInfo.InvariantCulture) + "/" + proto);
    }

    private static OciHealthcheck Healthcheck(StageContext sc, Instruction i)
    {
        var args = i.Args.Trim();
        if (args.Equals("NONE", StringComparison.OrdinalIgnoreCase))
        {
            return new OciHealthcheck { Test = ["NONE"] };
        }
        var space = args.IndexOfAny([' ', '\t']);
        if (space < 0 || !args[..space].Equals("CMD", StringComparison.OrdinalIgnoreCase))
        {
            throw sc.Error(i, "HEALTHCHECK: unknown type or missing command (use CMD or NONE)");
        }
        var inner = DockerfileParser.ParseInstruction("CMD " + args[(space + 1)..].Trim(), sc.FileName, i.Line);
        var h = new OciHealthcheck
        {
            Test = inner.Json is { } json ? ["CMD", .. json] : ["CMD-SHELL", inner.Args],
            Interval = Duration(sc, i, "interval"),
            Timeout = Duration(sc, i, "timeout"),
            StartPeriod = Duration(sc, i, "start-period"),
            StartInterval = Duration(sc, i, "start-interval"),
        };
        if (i.Flag("retries") is { } r)
        {
            h.Retries = int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw sc.Error(i, "--retries must be at least 1");
        }
        return h;
    }

    /// <summary>Go duration text (1m30s, 500ms) → nanoseconds; null when the flag is absent.</summary>
    private static long? Duration(StageContext sc, Instruction i, string flag)
    {
        if (i.Flag(flag) is not { } text)
        {
            return null;
        }
        var m = System.Text.RegularExpressions.Regex.Matches(text, @"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)");
        if (m.Count == 0 || string.Concat(m.Select(x => x.Value)) != text)
        {
            throw sc.Error(i, $"HEALTHCHECK: invalid duration for --{flag}: {text}");
        }
        double ns = 0;
        foreach (System.Text.RegularExpressions.Match x in m)
        {
            var v = double.Parse(x.Groups[1].Value, CultureInfo.InvariantCulture);
            ns += v * x.Groups[2].Value switch { "ns" => 1, "us" => 1e3, "ms" => 1e6, "s" => 1e9, "m" => 60e9, _ => 3600e9 };
        }
        return (long)ns;
    }
}
