using System.Text.Json;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Images;

/// <summary>
/// `orch import --change`: the Dockerfile instructions docker import accepts (CMD, ENTRYPOINT, ENV, EXPOSE,
/// LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR), applied to an image config.
/// </summary>
internal static class ImageChanges
{
    public static OciContainerConfig Apply(OciContainerConfig c, IReadOnlyList<string> changes)
    {
        foreach (var change in changes)
        {
            var trimmed = change.Trim();
            var space = trimmed.IndexOfAny([' ', '\t']);
            var instruction = (space < 0 ? trimmed : trimmed[..space]).ToUpperInvariant();
            var rest = space < 0 ? "" : trimmed[(space + 1)..].Trim();
            switch (instruction)
            {
                case "CMD": c.Cmd = Command(rest); break;
                case "ENTRYPOINT": c.Entrypoint = Command(rest); break;
                case "ENV": SetEnv(c, rest, change); break;
                case "EXPOSE":
                    c.ExposedPorts ??= [];
                    foreach (var p in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        c.ExposedPorts[p.Contains('/', StringComparison.Ordinal) ? p : p + "/tcp"] = new EmptyObject();
                    }
                    break;
                case "LABEL":
                    c.Labels ??= [];
                    foreach (var (k, v) in Pairs(rest, change))
                    {
                        c.Labels[k] = v;
                    }
                    break;
                case "STOPSIGNAL": c.StopSignal = rest; break;
                case "USER": c.User = rest; break;
                case "WORKDIR": c.WorkingDir = rest; break;
                case "VOLUME":
                    c.Volumes ??= [];
                    foreach (var v in rest.StartsWith('[') ? Json(rest, change) : [.. rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)])
                    {
                        c.Volumes[v] = new EmptyObject();
                    }
                    break;
                default:
                    throw new ArgumentException($"{instruction} is not a valid change command");
            }
        }
        return c;
    }

    /// <summary>Exec form ["a","b"] as is; shell form becomes ["/bin/sh","-c","…"], as a Dockerfile does.</summary>
    private static List<string> Command(string rest) =>
        rest.StartsWith('[') ? Json(rest, rest) : ["/bin/sh", "-c", rest];

    private static List<string> Json(string rest, string change)
    {
        try
        {
            using var doc = JsonDocument.Parse(rest);
            return doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new ArgumentException($"invalid JSON array in change \"{change}\"");
        }
    }

    private static void SetEnv(OciContainerConfig c, string rest, string change)
    {
        c.Env ??= [];
        foreach (var (k, v) in Pairs(rest, change))
        {
            c.Env.RemoveAll(e => e.StartsWith(k + "=", StringComparison.Ordinal));
            c.Env.Add(k + "=" + v);
        }
    }

    /// <summary>"K=V K2=V2" or the legacy "K V" form.</summary>
    private static IEnumerable<(string Key, string Value)> Pairs(string rest, string change)
    {
        if (!rest.Contains('=', StringComparison.Ordinal))
        {
            var sp = rest.IndexOf(' ', StringComparison.Ordinal);
            if (sp <= 0)
            {
                throw new ArgumentException($"change \"{change}\" needs KEY=VALUE");
            }
            yield return (rest[..sp], rest[(sp + 1)..].Trim());
            yield break;
        }
        foreach (var pair in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ArgumentException($"change \"{change}\" needs KEY=VALUE");
            }
            yield return (pair[..eq], pair[(eq + 1)..].Trim('"'));
        }
    }
}
