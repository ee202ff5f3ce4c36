using System.Text;
using System.Text.Json;

namespace Orch.Engine.Registry;

/// <summary>
/// `orch login` credentials, per registry host, in data-root/registry-auth.json (mode 0600, written
/// atomically). The daemon keeps them because the CLI never touches disk state; the engine API socket is
/// root-only, like the file.
/// </summary>
public sealed class CredentialStore(string path)
{
    private readonly object gate = new();

    public (string User, string Password)? Get(string host)
    {
        lock (gate)
        {
            return Load().TryGetValue(host, out var b64) && Decode(b64) is { } c ? c : null;
        }
    }

    public void Set(string host, string user, string password)
    {
        lock (gate)
        {
            var all = Load();
            all[host] = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
            Save(all);
        }
    }

    /// <summary>False when there was nothing to remove.</summary>
    public bool Remove(string host)
    {
        lock (gate)
        {
            var all = Load();
            if (!all.Remove(host))
            {
                return false;
            }
            Save(all);
            return true;
        }
    }

    private Dictionary<string, string> Load()
    {
        if (!File.Exists(path))
        {
            return [];
        }
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }

    private void Save(Dictionary<string, string> all)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var (k, v) in all)
            {
                w.WriteString(k, v);
            }
            w.WriteEndObject();
        }
        Images.AtomicFile.WriteAllBytes(path, ms.ToArray(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    private static (string, string)? Decode(string b64)
    {
        var s = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
        var colon = s.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : (s[..colon], s[(colon + 1)..]);
    }
}
