using System.Text;
using System.Text.Json;

namespace Orch.Engine.Build;

/// <summary>
/// Dockerfile syntax as Docker's parser reads it (moby/buildkit frontend/dockerfile/parser): parser
/// directives (`# escape=`) only before the first instruction, comment lines dropped (also inside a
/// continuation), a line ending in the escape character continues on the next, instruction names in any
/// case, leading `--flag=value` options, and the JSON (exec) form. Every error names file and line.
/// </summary>
public static class DockerfileParser
{
    /// <summary>Instructions and the flags each accepts (anything else is "Unknown flag").</summary>
    private static readonly Dictionary<string, string[]> Known = new(StringComparer.Ordinal)
    {
        ["FROM"] = ["platform"],
        ["RUN"] = ["network", "mount", "security"],
        ["CMD"] = [], ["ENTRYPOINT"] = [], ["ENV"] = [], ["ARG"] = [], ["LABEL"] = [], ["MAINTAINER"] = [],
        ["EXPOSE"] = [], ["WORKDIR"] = [], ["USER"] = [], ["VOLUME"] = [], ["SHELL"] = [], ["STOPSIGNAL"] = [],
        ["ONBUILD"] = [],
        ["COPY"] = ["from", "chown", "chmod", "link"],
        ["ADD"] = ["chown", "chmod", "checksum", "link", "keep-git-dir"],
        ["HEALTHCHECK"] = ["interval", "timeout", "start-period", "start-interval", "retries"],
    };

    /// <summary>Instructions whose arguments go through variable substitution (Docker's replaceEnvAllowed).</summary>
    public static readonly IReadOnlySet<string> Expands = new HashSet<string>(StringComparer.Ordinal)
    {
        "ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "ARG",
    };

    public static Dockerfile Parse(string text, string fileName = "Dockerfile")
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var escape = '\\';
        var i = 0;
        // Parser directives: "# key=value" lines at the very top; the first other line ends them.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (; i < lines.Length; i++)
        {
            var t = lines[i].Trim();
            if (!t.StartsWith('#'))
            {
                break;
            }
            var body = t[1..].Trim();
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || body[..eq].Trim().Contains(' ', StringComparison.Ordinal))
            {
                break;
            }
            var key = body[..eq].Trim().ToLowerInvariant();
            var value = body[(eq + 1)..].Trim();
            if (!seen.Add(key))
            {
                throw BuildException.At(fileName, i + 1, $"only one {key} parser directive can be used");
            }
            if (key == "escape")
            {
                if (value is not ("\\" or "`"))
                {
                    throw BuildException.At(fileName, i + 1, $"invalid escape token '{value}' does not match ` or \\");
                }
                escape = value[0];
            }
        }

        var result = new List<Instruction>();
        while (i < lines.Length)
        {
            var t = lines[i].TrimStart();
            if (t.Length == 0 || t.StartsWith('#'))
            {
                i++;
                continue;
            }
            var start = i;
            var sb = new StringBuilder();
            while (true)
            {
                var line = lines[i].TrimEnd();
                i++;
                if (line.Length > 0 && line[^1] == escape)
                {
                    sb.Append(line, 0, line.Length - 1);
                    // Comment and empty lines inside a continuation are skipped, as Docker does.
                    while (i < lines.Length && (lines[i].Trim().Length == 0 || lines[i].TrimStart().StartsWith('#')))
                    {
                        i++;
                    }
                    if (i >= lines.Length)
                    {
                        break;
                    }
                    continue;
                }
                sb.Append(line);
                break;
            }
            result.Add(ParseInstruction(sb.ToString().Trim(), fileName, start + 1));
        }
        return new Dockerfile(fileName, escape, result);
    }

    /// <summary>Parses one joined instruction line (also used for ONBUILD triggers).</summary>
    public static Instruction ParseInstruction(string text, string fileName, int line)
    {
        var space = text.IndexOfAny([' ', '\t']);
        var word = space < 0 ? text : text[..space];
        var keyword = word.ToUpperInvariant();
        var rest = space < 0 ? "" : text[(space + 1)..].TrimStart();
        if (!Known.TryGetValue(keyword, out var allowed))
        {
            throw BuildException.At(fileName, line, $"unknown instruction: {word}");
        }
        var flags = new List<KeyValuePair<string, string>>();
        // ONBUILD's flags belong to its trigger instruction.
        while (keyword != "ONBUILD" && rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOfAny([' ', '\t']);
            var token = end < 0 ? rest : rest[..end];
            rest = end < 0 ? "" : rest[end..].TrimStart();
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? token[2..] : token[2..eq];
            var value = eq < 0 ? "" : token[(eq + 1)..];
            if (!allowed.Contains(name))
            {
                throw BuildException.At(fileName, line, $"{keyword}: unknown flag: {name}");
            }
            flags.Add(new(name, value));
        }
        return new Instruction(keyword, text, flags, rest, TryJson(rest), line);
    }

    /// <summary>The exec form: a JSON array of strings; anything else is the shell form.</summary>
    private static List<string>? TryJson(string args)
    {
        var t = args.Trim();
        if (!t.StartsWith('[') || !t.EndsWith(']'))
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(t);
            var list = new List<string>();
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.String)
                {
                    return null;
                }
                list.Add(e.GetString()!);
            }
            return list;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
