using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;

namespace Orch.Cli.Output;

/// <summary>`inspect` output as docker/cli prints it: a JSON array, four-space indents, RFC 3339 times with nanoseconds.</summary>
internal static class InspectJson
{
    public static string Array<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, IndentSize = 4 }))
        {
            w.WriteStartArray();
            foreach (var item in items)
            {
                write(w, item);
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Go's RFC3339Nano ("2016-06-07T20:31:11.853781916Z"); the zero time for an unset timestamp.</summary>
    public static string Time(Timestamp? t)
    {
        if (t is null)
        {
            return "0001-01-01T00:00:00Z";
        }
        var dt = DateTimeOffset.FromUnixTimeSeconds(t.Seconds).UtcDateTime;
        var frac = t.Nanos == 0 ? "" : "." + t.Nanos.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return dt.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + frac + "Z";
    }

    /// <summary>Go's time.Time String() in UTC ("2017-01-12 21:58:41.627418 +0000 UTC"), as `--pretty` prints times.</summary>
    public static string GoTime(Timestamp? t)
    {
        if (t is null)
        {
            return "0001-01-01 00:00:00 +0000 UTC";
        }
        var dt = DateTimeOffset.FromUnixTimeSeconds(t.Seconds).UtcDateTime;
        var frac = t.Nanos == 0 ? "" : "." + t.Nanos.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return dt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + frac + " +0000 UTC";
    }

    public static void Labels(Utf8JsonWriter w, string name, IEnumerable<KeyValuePair<string, string>> labels)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            w.WriteString(k, v);
        }
        w.WriteEndObject();
    }
}
