using System.Text;

namespace Orch.Engine.Build;

/// <summary>
/// The build's output as the classic builder prints it. With -q nothing is written; RUN output is kept so
/// that a failing step can still show it (as `docker build -q` does).
/// </summary>
internal sealed class StepWriter(Func<string, ValueTask> output, bool quiet)
{
    private readonly StringBuilder held = new();

    public ValueTask LineAsync(string line) => quiet ? ValueTask.CompletedTask : output(line + "\n");

    public ValueTask RawAsync(string text)
    {
        if (quiet)
        {
            held.Append(text);
            return ValueTask.CompletedTask;
        }
        return output(text);
    }

    /// <summary>RUN output held back by -q (for the error message of a failed step).</summary>
    public string Held => held.ToString();
}
