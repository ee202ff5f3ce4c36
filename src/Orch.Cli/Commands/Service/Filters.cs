using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// `-f KEY=VALUE` filters as Docker's list commands take them: repeated keys are alternatives, a key the command
/// does not know is the daemon's "invalid filter" error, and name/id values match as prefixes.
/// </summary>
internal sealed class Filters
{
    private readonly Dictionary<string, List<string>> values = new(StringComparer.Ordinal);

    private Filters()
    {
    }

    public static Filters Parse(IEnumerable<string> given, params string[] keys)
    {
        var f = new Filters();
        foreach (var key in keys)
        {
            f.values[key] = [];
        }
        foreach (var fv in given)
        {
            var (k, v) = ServiceOptions.KeyValue(fv);
            if (!f.values.TryGetValue(k, out var list))
            {
                throw new CliException($"Error response from daemon: invalid filter '{k}'", 1);
            }
            list.Add(v);
        }
        return f;
    }

    public IReadOnlyList<string> this[string key] => values[key];

    /// <summary>True when no value was given for <paramref name="key"/> or one of them is a prefix of <paramref name="s"/>.</summary>
    public bool Prefix(string key, string s) => values[key].Count == 0 || values[key].Any(v => s.StartsWith(v, StringComparison.Ordinal));
}
