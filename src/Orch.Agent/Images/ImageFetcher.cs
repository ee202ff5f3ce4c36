using Microsoft.Extensions.Logging;
using Orch.Agent.Execution;
using Orch.Agent.Session;
using Orch.Api.V1.Objects;
using Orch.Engine.Images;
using Orch.Engine.Registry;

namespace Orch.Agent.Images;

/// <summary>
/// Makes a task's image present in this node's engine before its container is created, and says which
/// reference to create it from. A pinned image (image_digest set) is looked up as name@digest; when absent it
/// comes from the managers first if a manager's store is its origin (no registry needed), else from its
/// registry first (with the spec's forwarded credentials), the other source second. Every transfer is verified
/// and committed atomically by the engine. An unpinned image runs as the tag this node has, or is pulled.
/// </summary>
internal sealed partial class ImageFetcher(ImageStore images, Func<ManagerChannels?> channels, Func<IReadOnlyList<string>> managers,
    ILogger<ImageFetcher> logger)
{
    /// <summary>name[:tag]@digest: the reference a pinned task's container is created from.</summary>
    public static string PinnedReference(string image, string digest) =>
        image.Contains('@', StringComparison.Ordinal) || digest.Length == 0 ? image : image + "@" + digest;

    /// <exception cref="ExecutorException">The image is nowhere to be had; the message is the task's error.</exception>
    public async Task<string> EnsureAsync(ContainerSpec c, CancellationToken ct)
    {
        var credentials = EncodedAuth.Decode(c.RegistryAuth);
        if (c.ImageDigest.Length == 0)
        {
            if (images.Find(c.Image) is null)
            {
                try
                {
                    await images.PullAsync(c.Image, credentials, _ => ValueTask.CompletedTask, ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Unpinned: the manager that took the spec did not hold it either (or was told not to look).
                    throw new ExecutorException($"No such image: {c.Image} (not on any manager; not on a registry: {e.Message})", e);
                }
            }
            return c.Image;
        }
        var pinned = PinnedReference(c.Image, c.ImageDigest);
        if (images.Find(pinned) is not null)
        {
            return pinned;
        }
        // Single flight: the tasks of one service starting together on this node share one fetch of the image.
        // The fetch is not tied to the first caller's token (another task may still need it); each caller stops
        // waiting on its own token.
        Task<string> fetch;
        lock (inFlight)
        {
            if (!inFlight.TryGetValue(pinned, out fetch!))
            {
                fetch = FetchAsync(c, pinned, credentials);
                inFlight[pinned] = fetch;
                _ = fetch.ContinueWith(_ => { lock (inFlight) { inFlight.Remove(pinned); } }, CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        return await fetch.WaitAsync(ct);
    }

    private readonly Dictionary<string, Task<string>> inFlight = new(StringComparer.Ordinal);

    private async Task<string> FetchAsync(ContainerSpec c, string pinned, (string User, string Password)? credentials)
    {
        await System.Threading.Tasks.Task.Yield(); // the caller's lock is never held across the fetch
        var ct = CancellationToken.None;
        string? clusterReason = null;
        string? registryReason = null;
        foreach (var fromCluster in c.ImageOriginNode.Length > 0 ? new[] { true, false } : [false, true])
        {
            try
            {
                if (fromCluster)
                {
                    var via = channels() ?? throw new InvalidOperationException("this node has no session with the managers");
                    await images.PullFromAsync(pinned, new ClusterContentSource(via, managers()), _ => ValueTask.CompletedTask, ct);
                }
                else
                {
                    await images.PullAsync(pinned, credentials, _ => ValueTask.CompletedTask, ct);
                }
                LogFetched(pinned, fromCluster ? "the managers" : "its registry");
                return pinned;
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                LogSourceFailed(pinned, fromCluster ? "the managers" : "its registry", e.Message);
                if (fromCluster)
                {
                    clusterReason = e.Message;
                }
                else
                {
                    registryReason = e.Message;
                }
            }
        }
        // "not on any manager" only when every manager answered; an unreachable one is named instead.
        var managersPart = clusterReason is not null && clusterReason.Contains("unreachable", StringComparison.Ordinal)
            ? clusterReason : "not on any manager";
        throw new ExecutorException($"No such image: {pinned} ({managersPart}; not on a registry: {registryReason})");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "image {Image} fetched from {Source}")]
    private partial void LogFetched(string image, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "image {Image} not fetched from {Source}: {Reason}")]
    private partial void LogSourceFailed(string image, string source, string reason);
}
