using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly;
using Polly.Timeout;

namespace Orch.Engine.Registry;

internal sealed partial class RegistryClient
{
    /// <summary>
    /// Sends a request (built fresh for every attempt) through <see cref="RegistryResilience.Requests"/>; on
    /// 401 it answers the challenge (Basic or Bearer) and sends again, as long as the challenge asks for
    /// something not yet tried (a push's POST may ask for a wider scope than the HEAD before it).
    /// </summary>
    /// <param name="retry">False for requests whose failure spends an upload session: the caller retries the whole upload.</param>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool retry = true)
    {
        var pipeline = retry ? RegistryResilience.Requests : ResiliencePipeline<HttpResponseMessage>.Empty;
        for (var challenges = 0; ; challenges++)
        {
            HttpResponseMessage response;
            AuthenticationHeaderValue? sentWith = null;
            try
            {
                response = await pipeline.ExecuteAsync(async token =>
                {
                    using var request = build();
                    if (!request.RequestUri!.IsAbsoluteUri)
                    {
                        request.RequestUri = new Uri(baseUri, request.RequestUri);
                    }
                    sentWith = authorization;
                    request.Headers.Authorization = sentWith;
                    return await http.SendAsync(request, completion, token);
                }, ct);
            }
            catch (HttpRequestException e)
            {
                if (e.HttpRequestError == HttpRequestError.SecureConnectionError && baseUri.Scheme == "https" && await AnswersPlainHttpAsync(ct))
                {
                    // Docker's words, and how to allow it.
                    throw new RegistryException($"Get \"{baseUri}v2/\": http: server gave HTTP response to HTTPS client "
                        + $"(plain HTTP is allowed only for loopback registries and those orchd lists with --insecure-registry {baseUri.Authority})");
                }
                throw new RegistryException($"cannot reach registry {baseUri.Authority}: {e.Message}");
            }
            catch (TimeoutRejectedException)
            {
                throw new RegistryException($"registry {baseUri.Authority} did not answer within {RegistryResilience.AttemptTimeout.TotalSeconds:0} s");
            }
            if (response.StatusCode == HttpStatusCode.Unauthorized && challenges < 3 && await AuthorizeAsync(response, sentWith, ct))
            {
                response.Dispose();
                continue;
            }
            return response;
        }
    }

    /// <summary>After a failed TLS handshake: does the registry answer GET /v2/ in plain HTTP? (Only to word the error.)</summary>
    private async Task<bool> AnswersPlainHttpAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var probe = await http.GetAsync(new Uri($"http://{baseUri.Authority}/v2/"), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Answers a 401: Basic → the stored credentials; Bearer → GET realm?service=…&amp;scope=… (with the
    /// credentials as Basic auth when there are any) and use its token (or access_token). The token asks for
    /// this client's own scope (pull, or pull and push) and the one the challenge names. False when this
    /// challenge was already answered the same way: the credentials are not enough. Requests run in
    /// parallel (layers): one whose 401 was answered by another meanwhile (the authorization changed since
    /// it was sent) just sends again with the new one.
    /// </summary>
    private async Task<bool> AuthorizeAsync(HttpResponseMessage challenge, AuthenticationHeaderValue? sentWith, CancellationToken ct)
    {
        await authorizing.WaitAsync(ct);
        try
        {
            return !ReferenceEquals(authorization, sentWith) || await AnswerChallengeAsync(challenge, ct);
        }
        finally
        {
            authorizing.Release();
        }
    }

    private async Task<bool> AnswerChallengeAsync(HttpResponseMessage challenge, CancellationToken ct)
    {
        var basic = credentials is { } c
            ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(c.User + ":" + c.Password))
            : null;
        var bearer = challenge.Headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
        if (bearer?.Parameter is null)
        {
            if (basic is not null && authorization?.Scheme != "Basic"
                && challenge.Headers.WwwAuthenticate.Any(h => h.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)))
            {
                authorization = new AuthenticationHeaderValue("Basic", basic);
                return true;
            }
            return false;
        }
        var p = ParseChallenge(bearer.Parameter);
        if (!p.TryGetValue("realm", out var realm))
        {
            return false;
        }
        var query = new List<string>();
        if (p.TryGetValue("service", out var service))
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }
        query.Add("scope=" + Uri.EscapeDataString(scope));
        // A challenge may name several scopes separated by spaces (distribution does for a cross-repository
        // mount: the target's pull,push and the source's pull); token servers take one scope parameter each.
        if (p.TryGetValue("scope", out var asked))
        {
            foreach (var s in asked.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(s => s != scope).Distinct(StringComparer.Ordinal))
            {
                query.Add("scope=" + Uri.EscapeDataString(s));
            }
        }
        var tokenUri = realm + (realm.Contains('?', StringComparison.Ordinal) ? "&" : "?") + string.Join('&', query);
        if (tokenUri == lastTokenRequest)
        {
            return false;
        }
        lastTokenRequest = tokenUri;
        HttpResponseMessage sent;
        try
        {
            sent = await RegistryResilience.Requests.ExecuteAsync(async t =>
            {
                using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, tokenUri);
                if (basic is not null)
                {
                    tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
                }
                return await http.SendAsync(tokenRequest, t);
            }, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException)
        {
            throw new RegistryException($"cannot reach the token server {realm}: {e.Message}");
        }
        using var tokenResponse = sent;
        if (!tokenResponse.IsSuccessStatusCode)
        {
            throw new RegistryException($"authentication with {realm} failed: {(int)tokenResponse.StatusCode} {tokenResponse.ReasonPhrase}", tokenResponse.StatusCode);
        }
        using var doc = JsonDocument.Parse(await tokenResponse.Content.ReadAsByteArrayAsync(ct));
        var token = doc.RootElement.TryGetProperty("token", out var t) ? t.GetString()
            : doc.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }
        authorization = new AuthenticationHeaderValue("Bearer", token);
        return true;
    }

    /// <summary>realm="https://auth",service="registry",scope="repository:x:pull" → dictionary.</summary>
    internal static Dictionary<string, string> ParseChallenge(string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < parameter.Length)
        {
            var eq = parameter.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }
            var key = parameter[i..eq].Trim(' ', ',');
            int end;
            if (eq + 1 < parameter.Length && parameter[eq + 1] == '"')
            {
                end = parameter.IndexOf('"', eq + 2);
                end = end < 0 ? parameter.Length : end;
                result[key] = parameter[(eq + 2)..end];
                end++;
            }
            else
            {
                end = parameter.IndexOf(',', eq + 1);
                end = end < 0 ? parameter.Length : end;
                result[key] = parameter[(eq + 1)..end].Trim();
            }
            i = end < parameter.Length && parameter[end] == ',' ? end + 1 : end;
        }
        return result;
    }

    /// <summary>Turns an error response into the registry's own message ({"errors":[{"code","message"}]}).</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var detail = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            using var doc = JsonDocument.Parse(body);
            var first = doc.RootElement.GetProperty("errors")[0];
            detail = first.GetProperty("code").GetString()?.ToLowerInvariant().Replace('_', ' ') + ": " + first.GetProperty("message").GetString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
        }
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            var host = response.RequestMessage?.RequestUri?.Authority ?? "";
            throw new RegistryException($"unauthorized: authentication required for {host} (orch login {host})", response.StatusCode);
        }
        throw new RegistryException($"{what}: {detail}", response.StatusCode);
    }
}
