namespace Orch.Engine.Build;

/// <summary>What a stage carries from step to step besides its image state: ARGs in scope and CMD set here.</summary>
internal sealed class StageContext(Stage stage, string fileName, char escape)
{
    public Stage Stage => stage;
    public string FileName => fileName;
    public char Escape => escape;

    /// <summary>ARGs declared in this stage, with their values (null: declared without value).</summary>
    public Dictionary<string, string?> Args { get; } = new(StringComparer.Ordinal);

    /// <summary>Docker: ENTRYPOINT resets an inherited CMD, but not one set in the same stage.</summary>
    public bool CmdSet { get; set; }

    public BuildState State { get; set; } = BuildState.Scratch();

    /// <summary>ENV wins over ARG of the same name (Dockerfile reference, "Using ARG variables").</summary>
    public string? Lookup(string name)
    {
        foreach (var e in State.C.Env ?? [])
        {
            var eq = e.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && e.AsSpan(0, eq).SequenceEqual(name))
            {
                return e[(eq + 1)..];
            }
        }
        return Args.TryGetValue(name, out var v) ? v : null;
    }

    public ShellWords Words => new(Lookup, escape);

    /// <summary>ARGs declared before the first FROM (with --build-arg values applied).</summary>
    public Dictionary<string, string?> Globals { get; set; } = [];

    /// <summary>ARGs with a value that ENV does not shadow: the environment of RUN beyond the image's Env.</summary>
    public List<string> ArgEnv()
    {
        var env = State.C.Env ?? [];
        return [.. Args.Where(a => a.Value is not null && !env.Any(e => e.StartsWith(a.Key + "=", StringComparison.Ordinal)))
            .OrderBy(a => a.Key, StringComparer.Ordinal)
            .Select(a => a.Key + "=" + a.Value)];
    }

    public BuildException Error(Instruction i, string message) => BuildException.At(fileName, i.Line, message);
}
