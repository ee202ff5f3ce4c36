using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Orch.Engine.Registry;

/// <summary>
/// Polly at the registry edge. Transient failures — connection refused or reset, a timed-out attempt, 5xx,
/// 429 (waiting what Retry-After says) — are retried with exponential backoff and jitter; every other answer,
/// 4xx included, is final. <see cref="Requests"/> wraps single requests (each attempt under its own timeout);
/// <see cref="Transfers"/> wraps a whole blob transfer: an upload (POST then PUT), because a failed PUT may have spent its
/// upload session and only a new POST can start over, or a layer download cut off midway.
/// </summary>
internal static class RegistryResilience
{
    public const int MaxRetries = 4;
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    public static ResiliencePipeline<HttpResponseMessage> Requests { get; } = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = BaseDelay,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
            {
                // A failed TLS handshake is not transient (often a plain-HTTP server): no retry.
                { Exception: HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } } => false,
                { Exception: HttpRequestException or TimeoutRejectedException } => true,
                { Result: { } r } => IsTransient(r.StatusCode),
                _ => false,
            }),
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
        })
        .AddTimeout(AttemptTimeout)
        .Build();

    public static ResiliencePipeline Transfers { get; } = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = BaseDelay,
            ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception)),
        })
        .Build();

    /// <summary>An upload failure worth starting over: unreachable, cut off, or a transient status.</summary>
    public static bool IsTransient(Exception? e) => e switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => false,
        HttpRequestException or IOException or TimeoutRejectedException => true,
        RegistryException { Status: null } => true,
        RegistryException { Status: { } s } => IsTransient(s),
        _ => false,
    };

    public static bool IsTransient(HttpStatusCode status) => (int)status >= 500 || status == HttpStatusCode.TooManyRequests;

    /// <summary>A 429's Retry-After (seconds or a date), capped; null means the exponential backoff decides.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        if (response is not { StatusCode: HttpStatusCode.TooManyRequests } || response.Headers.RetryAfter is not { } after)
        {
            return null;
        }
        var wait = after.Delta ?? (after.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } w ? TimeSpan.FromTicks(Math.Clamp(w.Ticks, 0, MaxRetryAfter.Ticks)) : null;
    }
}
