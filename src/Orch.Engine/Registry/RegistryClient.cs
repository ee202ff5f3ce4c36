using System.Net;
using System.Net.Http.Headers;
using Orch.Engine.Images;

namespace Orch.Engine.Registry;

/// <summary>
/// HTTP client of the OCI distribution spec (/v2/ API) for one repository. HTTPS by default; plain HTTP only
/// for loopback registries (localhost, 127.0.0.0/8, ::1) and those listed as insecure, as the seed demands.
/// Bearer-token auth is negotiated from the WWW-Authenticate challenge (realm, service, scope).
/// </summary>
internal sealed partial class RegistryClient
{
    public static readonly string[] ManifestAccept =
    [
        Images.Oci.MediaTypes.Manifest, Images.Oci.MediaTypes.Index,
        Images.Oci.MediaTypes.DockerManifest, Images.Oci.MediaTypes.DockerManifestList,
    ];

    private readonly HttpClient http;
    private readonly Uri baseUri;
    private readonly string repository;
    private readonly string scope;
    private readonly (string User, string Password)? credentials;
    private AuthenticationHeaderValue? authorization;
    private string? lastTokenRequest;
    /// <summary>One challenge answered at a time: parallel layer transfers meet the same 401 together.</summary>
    private readonly SemaphoreSlim authorizing = new(1, 1);

    public RegistryClient(HttpClient http, ImageReference reference, bool push, IReadOnlyCollection<string> insecure,
        (string User, string Password)? credentials = null)
    {
        this.http = http;
        this.credentials = credentials;
        var host = reference.Domain == ImageReference.DefaultDomain ? "registry-1.docker.io" : reference.Domain;
        var scheme = IsLoopback(reference.Domain) || insecure.Contains(reference.Domain) ? "http" : "https";
        baseUri = new Uri($"{scheme}://{host}/");
        repository = reference.Path;
        scope = $"repository:{reference.Path}:{(push ? "pull,push" : "pull")}";
    }

    public string Repository => repository;

    /// <summary>GET /v2/ (authenticating if challenged): `orch login` checks credentials with it.</summary>
    public async Task PingAsync(CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "v2/"), ct);
        await EnsureSuccessAsync(response, "login", ct);
    }

    /// <summary>localhost, 127.0.0.0/8 or ::1, with or without a port.</summary>
    public static bool IsLoopback(string domain)
    {
        var host = domain;
        if (host.StartsWith('['))
        {
            host = host[1..host.IndexOf(']', StringComparison.Ordinal)];
        }
        else if (host.LastIndexOf(':') is var colon and > 0)
        {
            host = host[..colon];
        }
        return host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>GET a manifest (by tag or digest) with every media type we read; returns its bytes and type.</summary>
    public async Task<(byte[] Body, string MediaType)> GetManifestAsync(string tagOrDigest, CancellationToken ct)
    {
        using var response = await SendAsync(() =>
        {
            var req = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{tagOrDigest}");
            foreach (var a in ManifestAccept)
            {
                req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(a));
            }
            return req;
        }, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new RegistryException($"manifest for {repository}:{tagOrDigest} not found: manifest unknown", HttpStatusCode.NotFound);
        }
        await EnsureSuccessAsync(response, "manifest", ct);
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return (body, response.Content.Headers.ContentType?.MediaType ?? "");
    }

    /// <summary>
    /// The digest of the manifest under a tag: HEAD with every media type we read, trusting Docker-Content-Digest
    /// when the registry sends one, else a GET and the digest of its bytes.
    /// </summary>
    public async Task<string> ManifestDigestAsync(string tag, CancellationToken ct)
    {
        using (var head = await SendAsync(() =>
        {
            var req = new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/manifests/{tag}");
            foreach (var a in ManifestAccept)
            {
                req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(a));
            }
            return req;
        }, ct))
        {
            if (head.StatusCode == HttpStatusCode.NotFound)
            {
                throw new RegistryException($"manifest for {repository}:{tag} not found: manifest unknown", HttpStatusCode.NotFound);
            }
            await EnsureSuccessAsync(head, "manifest", ct);
            if (head.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } d && Digest.IsValid(d))
            {
                return d;
            }
        }
        var (body, _) = await GetManifestAsync(tag, ct);
        return Digest.Of(body);
    }

    /// <summary>Opens a blob for reading; the caller verifies its digest while it streams.</summary>
    public async Task<HttpResponseMessage> GetBlobAsync(string digest, CancellationToken ct)
    {
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/blobs/{digest}"), ct, HttpCompletionOption.ResponseHeadersRead);
        await EnsureSuccessAsync(response, "blob " + digest, ct);
        return response;
    }

    public async Task<bool> BlobExistsAsync(string digest, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, $"v2/{repository}/blobs/{digest}"), ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, "blob " + digest, ct);
        return true;
    }

    /// <summary>
    /// POST to open an upload, then PUT the whole blob to the newest Location with ?digest=. With
    /// <paramref name="mountFrom"/> (repositories of this registry known to hold the blob) the POST first asks
    /// the registry to mount it from each (cross-repository mount); 201 means no byte needs sending.
    /// Returns the repository the blob was mounted from, or null when it was uploaded.
    /// </summary>
    public async Task<string?> UploadBlobAsync(string digest, string path, IReadOnlyList<string> mountFrom,
        Func<long, ValueTask>? progress, CancellationToken ct)
    {
        foreach (var from in mountFrom)
        {
            using var mount = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
                $"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest)}&from={Uri.EscapeDataString(from)}"), ct);
            if (mount.StatusCode == HttpStatusCode.Created)
            {
                return from;
            }
            // 202: the registry could not mount (it lost the blob, or we may not read that repository) and opened
            // an ordinary upload instead; cancel it and try the next source or upload.
            await EnsureSuccessAsync(mount, "upload of " + digest, ct);
            if (mount.Headers.Location is { } abandoned)
            {
                using var _ = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, abandoned), ct);
            }
        }
        await RegistryResilience.Transfers.ExecuteAsync(async token => await UploadOnceAsync(digest, path, progress, token), ct);
        return null;
    }

    private async Task UploadOnceAsync(string digest, string path, Func<long, ValueTask>? progress, CancellationToken ct)
    {
        using var start = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"v2/{repository}/blobs/uploads/"), ct);
        await EnsureSuccessAsync(start, "upload of " + digest, ct);
        var location = start.Headers.Location ?? throw new RegistryException("registry gave no upload location");
        var target = location.IsAbsoluteUri ? location : new Uri(baseUri, location);
        var separator = target.Query.Length > 0 ? "&" : "?";
        var putUri = new Uri(target.AbsoluteUri + separator + "digest=" + Uri.EscapeDataString(digest));
        using var put = await SendAsync(() =>
        {
            Stream body = File.OpenRead(path);
            var length = body.Length;
            if (progress is not null)
            {
                body = new ProgressStream(body, progress);
            }
            var req = new HttpRequestMessage(HttpMethod.Put, putUri) { Content = new StreamContent(body, 1 << 20) };
            req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            req.Content.Headers.ContentLength = length;
            return req;
        }, ct, retry: false);
        await EnsureSuccessAsync(put, "upload of " + digest, ct);
    }

    public async Task PutManifestAsync(string tag, byte[] body, string mediaType, CancellationToken ct)
    {
        using var response = await SendAsync(() =>
        {
            var req = new HttpRequestMessage(HttpMethod.Put, $"v2/{repository}/manifests/{tag}") { Content = new ByteArrayContent(body) };
            req.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return req;
        }, ct);
        await EnsureSuccessAsync(response, "manifest", ct);
    }
}
