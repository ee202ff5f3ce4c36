using System.Globalization;

namespace Orch.Cli.Output;

/// <summary>Sizes and durations worded as Docker's CLI words them (go-units HumanSize / HumanDuration).</summary>
internal static class HumanUnits
{
    private static readonly string[] DecimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

    /// <summary>"4.26MB": decimal units, three significant digits (units.HumanSizeWithPrecision(size, 3)).</summary>
    public static string Size(double size)
    {
        var i = 0;
        while (size >= 1000 && i < DecimalUnits.Length - 1)
        {
            size /= 1000;
            i++;
        }
        return size.ToString("G3", CultureInfo.InvariantCulture).Replace("E+0", "e+0", StringComparison.Ordinal) + DecimalUnits[i];
    }

    /// <summary>"2 minutes", "About an hour", "3 weeks" (units.HumanDuration).</summary>
    public static string Duration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < 1)
        {
            return "Less than a second";
        }
        if (seconds == 1)
        {
            return "1 second";
        }
        if (seconds < 60)
        {
            return $"{seconds} seconds";
        }
        var minutes = (long)d.TotalMinutes;
        if (minutes == 1)
        {
            return "About a minute";
        }
        if (minutes < 60)
        {
            return $"{minutes} minutes";
        }
        var hours = (long)Math.Round(d.TotalHours, MidpointRounding.AwayFromZero);
        return hours switch
        {
            1 => "About an hour",
            < 48 => $"{hours} hours",
            < 24 * 7 * 2 => $"{hours / 24} days",
            < 24 * 30 * 2 => $"{hours / 24 / 7} weeks",
            < 24 * 365 * 2 => $"{hours / 24 / 30} months",
            _ => $"{(long)d.TotalHours / 24 / 365} years",
        };
    }

    /// <summary>"5 minutes ago", from a Unix time in seconds.</summary>
    public static string Ago(long unixSeconds) =>
        Duration(DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeSeconds(unixSeconds)) + " ago";
}
