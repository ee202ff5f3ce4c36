using System.Text;
using System.Text.RegularExpressions;

namespace Orch.Engine.Build;

/// <summary>
/// `.dockerignore` as Docker reads it (moby/patternmatcher): one pattern a line, `#` comments, a leading
/// `!` makes an exception, paths are cleaned and a leading `/` dropped; `*` and `?` match within one path
/// segment, `**` any number of segments. A path is excluded when the last pattern matching it (or one of
/// its parent directories) is not an exception.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Regex, bool Exclusion, string Pattern)> patterns = [];

    /// <exception cref="FormatException">A pattern is malformed (Go's ErrBadPattern); the message names it.</exception>
    public DockerIgnore(string text)
    {
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var exception = line.StartsWith('!');
            if (exception)
            {
                line = line[1..].Trim();
            }
            var cleaned = Clean(line);
            if (cleaned is "" or ".")
            {
                continue;
            }
            // NonBacktracking: matching time is linear in the path, whatever the pattern ("**/**/**/…" cannot hang a build).
            patterns.Add((new Regex(ToRegex(cleaned), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking), exception, cleaned));
        }
    }

    public static DockerIgnore Empty { get; } = new("");

    public bool HasExceptions => patterns.Any(p => p.Exclusion);

    /// <summary>True when <paramref name="relativePath"/> (slash-separated, relative to the context) is excluded.</summary>
    public bool Excludes(string relativePath)
    {
        var path = Clean(relativePath);
        var parents = Parents(path);
        var excluded = false;
        foreach (var (regex, isException, _) in patterns)
        {
            if (excluded == !isException)
            {
                continue; // cannot change the outcome
            }
            var match = regex.IsMatch(path) || parents.Any(regex.IsMatch);
            if (match)
            {
                excluded = !isException;
            }
        }
        return excluded;
    }

    private static List<string> Parents(string path)
    {
        var result = new List<string>();
        var idx = path.IndexOf('/', StringComparison.Ordinal);
        while (idx > 0)
        {
            result.Add(path[..idx]);
            idx = path.IndexOf('/', idx + 1);
        }
        return result;
    }

    /// <summary>filepath.Clean for slash paths, with the leading '/' dropped (patterns are context-relative).</summary>
    public static string Clean(string p)
    {
        var parts = new List<string>();
        foreach (var seg in p.Split('/'))
        {
            if (seg is "" or ".")
            {
                continue;
            }
            if (seg == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            if (seg == "..")
            {
                continue; // above the context root: the root itself
            }
            parts.Add(seg);
        }
        return parts.Count == 0 ? "." : string.Join('/', parts);
    }

    private static string ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    i++;
                    // "**/" matches zero or more directories; a trailing "**" anything below.
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++;
                        sb.Append("(.*/)?");
                    }
                    else
                    {
                        sb.Append(".*");
                    }
                }
                else
                {
                    sb.Append("[^/]*");
                }
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else if (c == '\\' && i + 1 < pattern.Length)
            {
                sb.Append(Regex.Escape(pattern[++i].ToString()));
            }
            else if (c == '[')
            {
                i = AppendClass(sb, pattern, i);
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }
        return sb.Append('$').ToString();
    }

    /// <summary>
    /// Go's filepath.Match class at <paramref name="start"/>: "[" ["^" | "!"] (c | c "-" c)+ "]", with "\\" escaping
    /// one character. Each character goes into the regex escaped; a malformed class is Go's ErrBadPattern.
    /// Returns the index of the closing "]".
    /// </summary>
    private static int AppendClass(StringBuilder sb, string pattern, int start)
    {
        FormatException Bad() => new($"invalid .dockerignore pattern \"{pattern}\": syntax error in pattern");
        var i = start + 1;
        sb.Append('[');
        if (i < pattern.Length && pattern[i] is '^' or '!')
        {
            sb.Append('^');
            i++;
        }
        var ranges = 0;
        while (true)
        {
            if (i >= pattern.Length)
            {
                throw Bad();
            }
            if (pattern[i] == ']' && ranges > 0)
            {
                sb.Append(']');
                return i;
            }
            var lo = ClassChar(pattern, ref i) ?? throw Bad();
            var hi = lo;
            if (i < pattern.Length && pattern[i] == '-')
            {
                i++;
                hi = ClassChar(pattern, ref i) ?? throw Bad();
                if (hi < lo)
                {
                    throw Bad();
                }
            }
            sb.Append(EscapeInClass(lo));
            if (hi != lo)
            {
                sb.Append('-').Append(EscapeInClass(hi));
            }
            ranges++;
        }
    }

    private static char? ClassChar(string pattern, ref int i)
    {
        if (i >= pattern.Length || pattern[i] is ']' or '-')
        {
            return null;
        }
        if (pattern[i] == '\\')
        {
            i++;
            if (i >= pattern.Length)
            {
                return null;
            }
        }
        return pattern[i++];
    }

    private static string EscapeInClass(char c) => c is '\\' or ']' or '[' or '^' or '-' ? "\\" + c : c.ToString();
}
