using System.Text.RegularExpressions;
using Orch.Testing;

namespace Orch.Engine.Tests.Build;

/// <summary>Build contexts on disk and `orch build` runs against a test daemon, as a user would type them.</summary>
internal static partial class BuildKit
{
    /// <summary>A context directory with the given files (path → content), removed with <paramref name="owner"/>.</summary>
    public static string Context(Images.TempDir owner, string name, params (string Path, string Content)[] files)
    {
        var dir = owner.Sub(name);
        foreach (var (path, content) in files)
        {
            Write(dir, path, content);
        }
        return dir;
    }

    public static void Write(string dir, string path, string content)
    {
        var full = Path.Combine(dir, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    public static Task<CommandResult> BuildAsync(TestDaemon d, string context, params string[] args) =>
        d.OrchAsync(TimeSpan.FromMinutes(3), ["build", .. args, context]);

    /// <summary>Builds and asserts success; returns the output.</summary>
    public static async Task<CommandResult> BuildOkAsync(TestDaemon d, string context, params string[] args)
    {
        var r = await BuildAsync(d, context, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    /// <summary>"Step N/M : …" blocks of a build's output, by step number, with whether each used the cache.</summary>
    public static Dictionary<int, bool> CachedSteps(string output)
    {
        var result = new Dictionary<int, bool>();
        var headers = StepHeader().Matches(output);
        for (var i = 0; i < headers.Count; i++)
        {
            var start = headers[i].Index + headers[i].Length;
            var end = i + 1 < headers.Count ? headers[i + 1].Index : output.Length;
            var block = output[start..end];
            result[int.Parse(headers[i].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)] = block.Contains(" ---> Using cache", StringComparison.Ordinal);
        }
        return result;
    }

    /// <summary>The ID in "Successfully built &lt;id12&gt;".</summary>
    public static string BuiltId(string output) => BuiltLine().Match(output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no 'Successfully built' in:\n" + output);

    [GeneratedRegex(@"^Step (\d+)/\d+ : .*$", RegexOptions.Multiline)]
    private static partial Regex StepHeader();

    [GeneratedRegex(@"^Successfully built ([0-9a-f]{12})$", RegexOptions.Multiline)]
    private static partial Regex BuiltLine();
}
