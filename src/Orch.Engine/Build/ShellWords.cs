using System.Text;

namespace Orch.Engine.Build;

/// <summary>
/// Variable substitution and quote removal as Docker's Dockerfile lexer does it (buildkit
/// frontend/dockerfile/shell/lex.go): `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`,
/// `${VAR+word}`; single quotes are literal, double quotes allow substitution, the escape character makes
/// the next character literal. An unset variable expands to "".
/// </summary>
public sealed class ShellWords(Func<string, string?> lookup, char escape = '\\')
{
    /// <summary>One word: expands and removes quotes; whitespace is kept.</summary>
    public string Word(string input) => Process(input, split: false)[0];

    /// <summary>Words split on unquoted whitespace (COPY sources, EXPOSE, VOLUME, ARG lists).</summary>
    public List<string> Words(string input) => Process(input, split: true);

    private List<string> Process(string s, bool split)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        var inWord = false;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (split && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(sb.ToString());
                    sb.Clear();
                    inWord = false;
                }
                i++;
                continue;
            }
            inWord = true;
            if (c == escape)
            {
                if (i + 1 < s.Length)
                {
                    sb.Append(s[i + 1]);
                    i += 2;
                }
                else
                {
                    sb.Append(c);
                    i++;
                }
            }
            else if (c == '\'')
            {
                var end = s.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new FormatException("unexpected end of statement while looking for matching single-quote");
                }
                sb.Append(s, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                while (true)
                {
                    if (i >= s.Length)
                    {
                        throw new FormatException("unexpected end of statement while looking for matching double-quote");
                    }
                    var d = s[i];
                    if (d == '"')
                    {
                        i++;
                        break;
                    }
                    if (d == escape && i + 1 < s.Length && (s[i + 1] is '"' or '$' || s[i + 1] == escape))
                    {
                        sb.Append(s[i + 1]);
                        i += 2;
                    }
                    else if (d == '$')
                    {
                        i = Dollar(s, i, sb);
                    }
                    else
                    {
                        sb.Append(d);
                        i++;
                    }
                }
            }
            else if (c == '$')
            {
                i = Dollar(s, i, sb);
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }
        if (inWord || !split)
        {
            words.Add(sb.ToString());
        }
        return words;
    }

    /// <summary>Expands the reference starting at s[i] == '$'; returns the index after it.</summary>
    private int Dollar(string s, int i, StringBuilder sb)
    {
        i++;
        if (i >= s.Length)
        {
            sb.Append('$');
            return i;
        }
        if (s[i] != '{')
        {
            var start = i;
            while (i < s.Length && IsNameChar(s[i]))
            {
                i++;
            }
            if (i == start)
            {
                sb.Append('$');
                return i;
            }
            sb.Append(lookup(s[start..i]) ?? "");
            return i;
        }
        i++;
        var nameStart = i;
        while (i < s.Length && IsNameChar(s[i]))
        {
            i++;
        }
        var name = s[nameStart..i];
        if (i >= s.Length)
        {
            throw new FormatException("missing '}' in variable substitution");
        }
        if (name.Length == 0)
        {
            throw new FormatException($"bad substitution in '{s}'");
        }
        if (s[i] == '}')
        {
            sb.Append(lookup(name) ?? "");
            return i + 1;
        }
        var colon = s[i] == ':';
        if (colon)
        {
            i++;
        }
        if (i >= s.Length || s[i] is not ('-' or '+' or '?'))
        {
            throw new FormatException($"unsupported modifier in '{s}'");
        }
        var op = s[i++];
        // The word runs to the matching '}' and is itself expanded.
        var depth = 1;
        var wordStart = i;
        while (i < s.Length)
        {
            if (s[i] == '{')
            {
                depth++;
            }
            else if (s[i] == '}' && --depth == 0)
            {
                break;
            }
            i++;
        }
        if (i >= s.Length)
        {
            throw new FormatException("missing '}' in variable substitution");
        }
        var word = new ShellWords(lookup, escape).Word(s[wordStart..i]);
        var value = lookup(name);
        var set = colon ? !string.IsNullOrEmpty(value) : value is not null;
        switch (op)
        {
            case '-':
                sb.Append(set ? value : word);
                break;
            case '+':
                sb.Append(set ? word : "");
                break;
            default:
                if (!set)
                {
                    throw new FormatException($"{name}: {(word.Length > 0 ? word : "is not allowed to be unset")}");
                }
                sb.Append(value);
                break;
        }
        return i + 1;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
