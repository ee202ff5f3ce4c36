using System.Text;
using System.Text.Json;

namespace Orch.Engine.Registry;

/// <summary>
/// Registry credentials in Docker's X-Registry-Auth form: base64url of {"username","password","serveraddress"}.
/// A service created with --with-registry-auth carries this string in its spec so that every node pulls with
/// the credentials of the node the command ran on.
/// </summary>
public static class EncodedAuth
{
    public static string Encode(string user, string password, string serverAddress)
    {
        // Written field by field rather than through JsonSerializer: no reflection (orchd is published NativeAOT).
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("username", user);
            w.WriteString("password", password);
            w.WriteString("serveraddress", serverAddress);
            w.WriteEndObject();
        }
        return Convert.ToBase64String(buffer.WrittenSpan).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The user and password, or null for "" or a malformed value (then the node's own credentials apply).</summary>
    public static (string User, string Password)? Decode(string encoded)
    {
        if (string.IsNullOrEmpty(encoded))
        {
            return null;
        }
        try
        {
            var b64 = encoded.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + ((4 - (b64.Length % 4)) % 4), '=');
            using var doc = JsonDocument.Parse(Convert.FromBase64String(b64));
            var user = doc.RootElement.TryGetProperty("username", out var u) ? u.GetString() ?? "" : "";
            var password = doc.RootElement.TryGetProperty("password", out var p) ? p.GetString() ?? "" : "";
            return user.Length == 0 && password.Length == 0 ? null : (user, password);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Encodes what <paramref name="store"/> holds for the registry of <paramref name="reference"/>; "" when nothing.</summary>
    public static string For(CredentialStore store, string reference)
    {
        var domain = Images.ImageReference.Parse(reference).Domain;
        return store.Get(domain) is { } c ? Encode(c.User, c.Password, domain) : "";
    }
}
