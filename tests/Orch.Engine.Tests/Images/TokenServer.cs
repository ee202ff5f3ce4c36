using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Orch.Engine.Tests.Images;

/// <summary>
/// A Docker token server (the distribution spec's token auth) on a loopback port: GET /token?service=&amp;scope=
/// with optional Basic credentials returns a JWT signed (ES256) by a throw-away key whose self-signed
/// certificate is the registry's rootcertbundle; the certificate rides in the x5c header, which is how
/// docker-registry finds the signing key. Valid credentials get the actions they ask for; no credentials
/// get an anonymous token that grants nothing (as Docker Hub does for a private repository); wrong ones a 401.
/// </summary>
internal sealed class TokenServer : IAsyncDisposable
{
    public const string Issuer = "orch-test-issuer";
    public const string Service = "orch-test-registry";

    private readonly HttpListener listener = new();
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 certificate;
    private readonly (string User, string Password) user;
    private readonly Task loop;

    public TokenServer(string dir, (string User, string Password) user)
    {
        this.user = user;
        var request = new CertificateRequest("CN=orch-test-token-signer", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        CertificateBundle = Path.Combine(dir, "token-signer.pem");
        File.WriteAllText(CertificateBundle, certificate.ExportCertificatePem() + "\n");
        Port = Orch.Testing.TestRegistry.FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string Realm => $"http://127.0.0.1:{Port}/token";
    public string CertificateBundle { get; }

    /// <summary>Every token issued: who asked ("" = anonymous) and the scope asked for.</summary>
    public ConcurrentQueue<(string Account, string Scope)> Issued { get; } = new();

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            try
            {
                Answer(ctx);
            }
            finally
            {
                ctx.Response.Close();
            }
        }
    }

    private void Answer(HttpListenerContext ctx)
    {
        var account = "";
        var header = ctx.Request.Headers["Authorization"];
        if (header is not null)
        {
            var pair = header.StartsWith("Basic ", StringComparison.Ordinal)
                ? Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])) : "";
            if (pair != user.User + ":" + user.Password)
            {
                ctx.Response.StatusCode = 401;
                return;
            }
            account = user.User;
        }
        var service = ctx.Request.QueryString["service"] ?? "";
        var scopes = ctx.Request.QueryString.GetValues("scope") ?? [];
        var access = new List<object>();
        foreach (var scope in scopes)
        {
            Issued.Enqueue((account, scope));
            // repository:NAME:ACTIONS (NAME is the path without the registry host, so it holds no ':').
            var parts = scope.Split(':');
            if (account.Length > 0 && parts.Length == 3 && parts[0] == "repository")
            {
                access.Add(new { type = "repository", name = parts[1], actions = parts[2].Split(',') });
            }
        }
        if (scopes.Length == 0)
        {
            Issued.Enqueue((account, ""));
        }
        var token = Sign(account, service, access);
        var body = JsonSerializer.SerializeToUtf8Bytes(new { token, access_token = token, expires_in = 300, issued_at = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) });
        ctx.Response.ContentType = "application/json";
        ctx.Response.OutputStream.Write(body);
    }

    private string Sign(string account, string service, List<object> access)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = JsonSerializer.SerializeToUtf8Bytes(new { typ = "JWT", alg = "ES256", x5c = new[] { Convert.ToBase64String(certificate.RawData) } });
        var claims = JsonSerializer.SerializeToUtf8Bytes(new
        {
            iss = Issuer, sub = account, aud = service, exp = now + 300, nbf = now - 10, iat = now,
            jti = Guid.NewGuid().ToString("N"), access,
        });
        var signingInput = B64(header) + "." + B64(claims);
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + B64(signature);
    }

    private static string B64(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        // Close alone: after Stop it looks the endpoint up again and binds the port anew to do so, which fails
        // (\"Address already in use\") when another test took the freed port meanwhile.
        listener.Close();
        await loop;
        certificate.Dispose();
        key.Dispose();
    }
}
