namespace Orch.Engine.Build;

/// <summary>
/// One Dockerfile instruction after continuation lines were joined and comments dropped.
/// <see cref="Args"/> is the text after the flags, unexpanded; <see cref="Json"/> is set when that text is
/// a JSON array of strings (exec form).
/// </summary>
/// <param name="Keyword">Upper-cased: RUN, COPY, …</param>
/// <param name="Original">As written (continuations joined), for history and error messages.</param>
/// <param name="Flags">--name=value flags in order; a flag without value has "".</param>
/// <param name="Line">1-based line where the instruction starts.</param>
public sealed record Instruction(
    string Keyword,
    string Original,
    IReadOnlyList<KeyValuePair<string, string>> Flags,
    string Args,
    IReadOnlyList<string>? Json,
    int Line)
{
    public string? Flag(string name)
    {
        foreach (var f in Flags)
        {
            if (f.Key == name)
            {
                return f.Value;
            }
        }
        return null;
    }
}

/// <summary>A parsed Dockerfile: its instructions and the escape character its directive chose.</summary>
public sealed record Dockerfile(string FileName, char Escape, IReadOnlyList<Instruction> Instructions);
