using System.Globalization;
using System.Text.RegularExpressions;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>
/// Flag values parsed as docker/cli parses them: durations as Go's time.ParseDuration ("1m30s",
/// "100ms"), sizes as go-units RAMInBytes ("512m", "1g", binary multiples), CPUs as decimals
/// (opts.NanoCPUs). Errors use pflag's wording, naming the flag and the bad value.
/// </summary>
internal static partial class ServiceUnits
{
    private static readonly (string Unit, double Nanos)[] DurationUnits =
    [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ];

    public static TimeSpan Duration(string command, string flag, string value)
    {
        var nanos = ParseGoDuration(value, out var error);
        return error is null ? TimeSpan.FromTicks((long)(nanos / 100))
            : throw Invalid(command, flag, value, error);
    }

    /// <summary>Go's time.ParseDuration; returns nanoseconds or sets <paramref name="error"/> to Go's message.</summary>
    private static double ParseGoDuration(string s, out string? error)
    {
        error = null;
        var orig = s;
        var negative = false;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s == "0")
        {
            return 0;
        }
        if (s.Length == 0)
        {
            error = $"time: invalid duration \"{orig}\"";
            return 0;
        }
        double total = 0;
        while (s.Length > 0)
        {
            var i = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (i == 0 || !double.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            {
                error = $"time: invalid duration \"{orig}\"";
                return 0;
            }
            s = s[i..];
            var u = 0;
            while (u < s.Length && !char.IsAsciiDigit(s[u]) && s[u] != '.')
            {
                u++;
            }
            if (u == 0)
            {
                error = $"time: missing unit in duration \"{orig}\"";
                return 0;
            }
            var unit = s[..u];
            var match = DurationUnits.FirstOrDefault(x => x.Unit == unit);
            if (match.Unit is null)
            {
                error = $"time: unknown unit \"{unit}\" in duration \"{orig}\"";
                return 0;
            }
            total += n * match.Nanos;
            s = s[u..];
        }
        return negative ? -total : total;
    }

    /// <summary>go-units RAMInBytes: "512m" = 512 MiB; a bare number is bytes.</summary>
    public static long Size(string command, string flag, string value)
    {
        var m = SizePattern().Match(value);
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
        {
            throw Invalid(command, flag, value, $"invalid size: '{value}'");
        }
        var mult = char.ToLowerInvariant(m.Groups[2].Value.FirstOrDefault()) switch
        {
            'k' => 1L << 10,
            'm' => 1L << 20,
            'g' => 1L << 30,
            't' => 1L << 40,
            'p' => 1L << 50,
            _ => 1L,
        };
        return (long)(n * mult);
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")]
    private static partial Regex SizePattern();

    /// <summary>opts.NanoCPUs: "0.5" = 500000000; at most nine decimals.</summary>
    public static long NanoCpus(string command, string flag, string value)
    {
        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpus) || cpus < 0)
        {
            throw Invalid(command, flag, value, $"failed to parse {value} as a rational number");
        }
        var nanos = cpus * 1_000_000_000m;
        return nanos == decimal.Truncate(nanos) ? (long)nanos
            : throw Invalid(command, flag, value, "value is too precise");
    }

    public static ulong UInt(string command, string flag, string value) =>
        ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw Invalid(command, flag, value, $"strconv.ParseUint: parsing \"{value}\": invalid syntax");

    public static long Int(string command, string flag, string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
            : throw Invalid(command, flag, value, $"strconv.ParseInt: parsing \"{value}\": invalid syntax");

    public static float Float(string command, string flag, string value) =>
        float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw Invalid(command, flag, value, $"strconv.ParseFloat: parsing \"{value}\": invalid syntax");

    public static UsageException Invalid(string command, string flag, string value, string why) =>
        new($"invalid argument \"{value}\" for \"--{flag}\" flag: {why}", command);

    /// <summary>Go's Duration.String(): "1m30s", "100ms", "0s".</summary>
    public static string Format(TimeSpan d)
    {
        if (d == TimeSpan.Zero)
        {
            return "0s";
        }
        var sign = d < TimeSpan.Zero ? "-" : "";
        d = d.Duration();
        if (d < TimeSpan.FromSeconds(1))
        {
            var ns = d.Ticks * 100;
            return sign + (ns >= 1_000_000 ? Trim(ns / 1e6) + "ms" : ns >= 1000 ? Trim(ns / 1e3) + "µs" : ns + "ns");
        }
        var h = (long)d.TotalHours;
        var m = d.Minutes;
        var s = d.Seconds + d.Ticks % TimeSpan.TicksPerSecond / (double)TimeSpan.TicksPerSecond;
        return sign + (h > 0 ? $"{h}h{m}m" : m > 0 ? $"{m}m" : "") + Trim(s) + "s";
    }

    private static string Trim(double v) => v.ToString("0.#########", CultureInfo.InvariantCulture);
}
