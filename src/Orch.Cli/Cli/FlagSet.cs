namespace Orch.Cli.Cli;

/// <summary>
/// Docker-style flags: <c>-d</c>, <c>-it</c> (combined short booleans), <c>-p 80:80</c>, <c>-p80:80</c>,
/// <c>--name web</c>, <c>--name=web</c>, repeated flags, and <c>--</c>. With <see cref="StopAtFirstPositional"/>
/// (run, exec) everything after the image/container is left to the container's command.
/// It also owns what every command shares, as cobra does for docker/cli: <c>-h/--help</c> (the usage block,
/// exit 0) and the count of positional arguments (Docker's "requires exactly 1 argument." wording).
/// </summary>
internal sealed class FlagSet(string command, string usage = "[OPTIONS]", string summary = "")
{
    private readonly Dictionary<string, Flag> byName = new(StringComparer.Ordinal);
    private readonly List<Flag> flags = [];
    private Flag? help;

    /// <summary>The flags of <paramref name="cmd"/>, named as the user typed it ("rmi" or "image rm", docker/cli's CommandPath).</summary>
    public FlagSet(CliContext ctx, ICommand cmd)
        : this(ctx.CommandPath ?? cmd.Name, cmd.Usage, cmd.Summary)
    {
    }

    public string Command => command;
    public bool StopAtFirstPositional { get; init; }
    public List<string> Positionals { get; } = [];

    public sealed class Flag(string? shortName, string longName, bool isBool, string help, string? valueName)
    {
        public string? Short => shortName;
        public string Long => longName;
        public bool IsBool => isBool;
        public string Help => help;
        public string? ValueName => valueName;
        public List<string> Values { get; } = [];
        public bool Set => Values.Count > 0;
    }

    public Flag Bool(string? shortName, string longName, string help) => Add(new Flag(shortName, longName, true, help, null));

    public Flag String(string? shortName, string longName, string help, string valueName = "string") =>
        Add(new Flag(shortName, longName, false, help, valueName));

    private Flag Add(Flag f)
    {
        flags.Add(f);
        byName["--" + f.Long] = f;
        if (f.Short is not null)
        {
            byName["-" + f.Short] = f;
        }
        return f;
    }

    /// <summary>
    /// Parses args, then checks the number of positional arguments against <paramref name="exactly"/>,
    /// <paramref name="atLeast"/> and <paramref name="atMost"/> (both: a range; <c>atMost: 0</c>: none).
    /// Throws <see cref="UsageException"/> with Docker's wording on a bad flag or count, and
    /// <see cref="HelpRequestedException"/> when <c>-h/--help</c> is given and every flag parsed.
    /// </summary>
    public void Parse(IReadOnlyList<string> args, int? exactly = null, int? atLeast = null, int? atMost = null)
    {
        ParseFlags(args);
        if (help is { } h && h.On())
        {
            throw new HelpRequestedException(UsageBlock());
        }
        CheckCount(exactly ?? atLeast, exactly ?? atMost);
    }

    private void ParseFlags(IReadOnlyList<string> args)
    {
        AddHelp();
        var i = 0;
        for (; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                i++;
                break;
            }
            if (a.Length < 2 || a[0] != '-')
            {
                Positionals.Add(a);
                if (StopAtFirstPositional)
                {
                    i++;
                    break;
                }
                continue;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = a.IndexOf('=', StringComparison.Ordinal);
                var name = eq > 0 ? a[..eq] : a;
                if (!byName.TryGetValue(name, out var f))
                {
                    throw new UsageException($"unknown flag: {name}", command);
                }
                if (f.IsBool)
                {
                    var v = eq > 0 ? a[(eq + 1)..] : "true";
                    if (v is not ("true" or "false"))
                    {
                        throw new UsageException($"invalid argument \"{v}\" for \"{name}\" flag: parse error", command);
                    }
                    f.Values.Add(v);
                }
                else if (eq > 0)
                {
                    f.Values.Add(a[(eq + 1)..]);
                }
                else
                {
                    f.Values.Add(++i < args.Count ? args[i] : throw new UsageException($"flag needs an argument: {name}", command));
                }
                continue;
            }
            // Short flags: -it, -p80:80, -p 80:80, -m=32m
            for (var j = 1; j < a.Length; j++)
            {
                var name = "-" + a[j];
                if (!byName.TryGetValue(name, out var f))
                {
                    throw new UsageException($"unknown shorthand flag: '{a[j]}' in {a}", command);
                }
                if (f.IsBool)
                {
                    f.Values.Add("true");
                    continue;
                }
                var rest = a[(j + 1)..];
                if (rest.StartsWith('='))
                {
                    rest = rest[1..];
                }
                f.Values.Add(rest.Length > 0 ? rest
                    : ++i < args.Count ? args[i] : throw new UsageException($"flag needs an argument: '{a[j]}' in {a}", command));
                break;
            }
        }
        for (; i < args.Count; i++)
        {
            Positionals.Add(args[i]);
        }
    }

    private void CheckCount(int? min, int? max)
    {
        var n = Positionals.Count;
        if ((min is null || n >= min) && (max is null || n <= max))
        {
            return;
        }
        var rule = (min, max) switch
        {
            (_, 0) => "accepts no arguments.",
            ({ } a, { } b) when a == b => $"requires exactly {a} {Arguments(a)}.",
            ({ } a, { } b) => $"requires at least {a} and at most {b} {Arguments(b)}.",
            ({ } a, null) => $"requires at least {a} {Arguments(a)}.",
            (null, { } b) => $"requires at most {b} {Arguments(b)}.",
            _ => throw new InvalidOperationException("unreachable"),
        };
        throw new UsageException($"\"orch {command}\" {rule}", command, $"Usage:  orch {command} {usage}\n\n{summary}");
    }

    // docker/cli (cobra) gives every command -h/--help unless the command uses -h itself (run -h is --hostname).
    private void AddHelp() => help ??= Add(new Flag(byName.ContainsKey("-h") ? null : "h", "help", true, "Print usage", null));

    private static string Arguments(int n) => n == 1 ? "argument" : "arguments";

    /// <summary>What <c>orch COMMAND --help</c> prints: docker/cli's "Usage: / summary / Options:" block.</summary>
    public string UsageBlock()
    {
        AddHelp();
        return $"Usage:  orch {command} {usage}\n\n{summary}\n\nOptions:\n{Help()}";
    }

    public string Help()
    {
        var lines = new List<string>();
        foreach (var f in flags)
        {
            var names = (f.Short is null ? "    " : $"-{f.Short}, ") + "--" + f.Long + (f.IsBool ? "" : " " + f.ValueName);
            lines.Add($"  {names,-30} {f.Help}");
        }
        return string.Join('\n', lines);
    }
}

internal static class FlagExtensions
{
    public static bool On(this FlagSet.Flag f) => f.Set && f.Values[^1] == "true";

    public static string? Value(this FlagSet.Flag f) => f.Set ? f.Values[^1] : null;

    public static string ValueOr(this FlagSet.Flag f, string fallback) => f.Set ? f.Values[^1] : fallback;

    public static int IntOr(this FlagSet.Flag f, int fallback, string command)
    {
        if (!f.Set)
        {
            return fallback;
        }
        return int.TryParse(f.Values[^1], out var v) ? v
            : throw new UsageException($"invalid argument \"{f.Values[^1]}\" for \"--{f.Long}\" flag: strconv.ParseInt: parsing \"{f.Values[^1]}\": invalid syntax", command);
    }
}
