using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Swarm;

/// <summary>Durations as Docker's flags take them (Go's time.ParseDuration: "5s", "1m30s", "2160h", "1.5h").</summary>
internal static class GoDuration
{
    private static readonly (string Unit, long Nanos)[] Units =
    [
        ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ];

    /// <summary>Parses a flag value; throws <see cref="UsageException"/> with Go's wording on bad input.</summary>
    public static Duration Parse(string text, string flag, string command)
    {
        if (!TryParseNanos(text, out var nanos) || nanos < 0)
        {
            throw new UsageException($"invalid argument \"{text}\" for \"--{flag}\" flag: time: invalid duration \"{text}\"", command);
        }
        return new Duration { Seconds = nanos / 1_000_000_000, Nanos = (int)(nanos % 1_000_000_000) };
    }

    public static bool TryParseNanos(string text, out long nanos)
    {
        nanos = 0;
        if (text == "0")
        {
            return true;
        }
        var i = 0;
        if (text.Length == 0)
        {
            return false;
        }
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }
            if (i == start || !decimal.TryParse(text[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }
            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }
            var unit = text[unitStart..i];
            var match = Units.FirstOrDefault(u => u.Unit == unit);
            if (match.Unit is null)
            {
                return false;
            }
            nanos += (long)(number * match.Nanos);
        }
        return true;
    }

    /// <summary>Go's Duration.String(): "5s", "1m30s", "2160h0m0s", "500ms".</summary>
    public static string Format(Duration? d)
    {
        if (d is null)
        {
            return "0s";
        }
        var nanos = d.Seconds * 1_000_000_000 + d.Nanos;
        if (nanos == 0)
        {
            return "0s";
        }
        if (nanos < 1_000_000_000)
        {
            return nanos % 1_000_000 == 0 ? $"{nanos / 1_000_000}ms" : nanos % 1_000 == 0 ? $"{nanos / 1_000}µs" : $"{nanos}ns";
        }
        var h = nanos / 3_600_000_000_000;
        var m = nanos / 60_000_000_000 % 60;
        var s = (decimal)(nanos % 60_000_000_000) / 1_000_000_000;
        var sec = s.ToString("0.#########", CultureInfo.InvariantCulture) + "s";
        return h > 0 ? $"{h}h{m}m{sec}" : m > 0 ? $"{m}m{sec}" : sec;
    }

    public static long Nanos(Duration? d) => d is null ? 0 : d.Seconds * 1_000_000_000 + d.Nanos;
}
