using System.Text;

namespace Orch.Engine.Build;

/// <summary>
/// ENV, LABEL and ARG arguments: `k=v k2="v 2"` pairs (values expanded, quotes removed), or the legacy
/// `ENV key value with spaces` form when the first word has no '='.
/// </summary>
public static class KeyValueArgs
{
    public static List<KeyValuePair<string, string>> Parse(string args, ShellWords words, char escape, bool legacyAllowed, string keyword)
    {
        var raw = SplitRaw(args, escape);
        var result = new List<KeyValuePair<string, string>>();
        if (raw.Count == 0)
        {
            throw new FormatException($"{keyword} requires at least one argument");
        }
        if (legacyAllowed && !raw[0].Contains('=', StringComparison.Ordinal))
        {
            var t = args.Trim();
            var space = t.IndexOfAny([' ', '\t']);
            if (space < 0)
            {
                throw new FormatException($"{keyword} must have two arguments");
            }
            result.Add(new(t[..space], words.Word(t[(space + 1)..].Trim())));
            return result;
        }
        foreach (var w in raw)
        {
            var eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                if (keyword == "ARG")
                {
                    result.Add(new(w, null!));
                    continue;
                }
                throw new FormatException($"{keyword} names can not be blank; syntax: {keyword} key=value, got '{w}'");
            }
            var key = words.Word(w[..eq]);
            if (key.Length == 0)
            {
                throw new FormatException($"{keyword} names can not be blank");
            }
            result.Add(new(key, words.Word(w[(eq + 1)..])));
        }
        return result;
    }

    /// <summary>Splits on unquoted whitespace, keeping quotes and escapes for the later expansion.</summary>
    public static List<string> SplitRaw(string s, char escape)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        char quote = '\0';
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (sb.Length > 0)
                {
                    words.Add(sb.ToString());
                    sb.Clear();
                }
                continue;
            }
            sb.Append(c);
            if (c == escape && quote != '\'' && i + 1 < s.Length)
            {
                sb.Append(s[++i]);
            }
            else if (quote == '\0' && c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }
        }
        if (sb.Length > 0)
        {
            words.Add(sb.ToString());
        }
        return words;
    }
}
