namespace Orch.Engine.Build;

/// <summary>One FROM … block of a Dockerfile.</summary>
internal sealed class Stage(int index, Instruction from, string? name)
{
    public int Index => index;
    public Instruction From => from;
    public string? Name => name;
    public List<Instruction> Instructions { get; } = [];

    /// <summary>Splits a Dockerfile into the ARGs before the first FROM and its stages.</summary>
    public static (List<Instruction> GlobalArgs, List<Stage> Stages) Split(Dockerfile df)
    {
        var globals = new List<Instruction>();
        var stages = new List<Stage>();
        foreach (var i in df.Instructions)
        {
            if (i.Keyword == "FROM")
            {
                var words = i.Args.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                string? name = null;
                if (words.Length == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
                {
                    name = words[2].ToLowerInvariant();
                }
                else if (words.Length != 1)
                {
                    throw BuildException.At(df.FileName, i.Line, "FROM requires either one or three arguments");
                }
                stages.Add(new Stage(stages.Count, i, name));
            }
            else if (stages.Count == 0)
            {
                if (i.Keyword != "ARG")
                {
                    throw BuildException.At(df.FileName, i.Line, $"no build stage in current context ({i.Keyword} before FROM)");
                }
                globals.Add(i);
            }
            else
            {
                stages[^1].Instructions.Add(i);
            }
        }
        if (stages.Count == 0)
        {
            throw new BuildException($"{df.FileName}: no FROM instruction (file is empty or has only comments)");
        }
        return (globals, stages);
    }
}
