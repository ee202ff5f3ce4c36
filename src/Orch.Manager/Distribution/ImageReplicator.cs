using Microsoft.Extensions.Logging;
using Orch.Manager.State;

namespace Orch.Manager.Distribution;

/// <summary>
/// Runs on every manager (leader or not): each image a service is pinned to from a manager's store (its spec
/// names an origin node), current or previous spec, is copied into this manager's node too, so the image
/// survives losing the manager it was built on. Reacts to store changes; a copy that fails (no manager holds
/// it yet, a manager is down) is tried again after <see cref="RetryAfter"/>.
/// </summary>
internal sealed partial class ImageReplicator(IReplicatedStore store, ILocalImages images, string ownAddress, TimeProvider time,
    ILogger<ImageReplicator> logger)
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    public async Task RunAsync(CancellationToken ct)
    {
        using var watch = store.Watch();
        var failed = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                foreach (var (image, digest, origin) in store.ReadLocal(Wanted))
                {
                    if (images.ReadManifest(digest) is not null
                        || (failed.TryGetValue(digest, out var at) && time.GetUtcNow() - at < RetryAfter))
                    {
                        continue;
                    }
                    var sources = Sources(origin);
                    if (sources.Count == 0)
                    {
                        continue;
                    }
                    try
                    {
                        await images.CopyAsync(image, digest, sources, ct);
                        failed.Remove(digest);
                        LogCopied(image, digest);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        failed[digest] = time.GetUtcNow();
                        LogCopyFailed(image, digest, e.Message);
                    }
                }
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var changed = watch.Events.WaitToReadAsync(wait.Token).AsTask();
                var retry = failed.Count > 0 ? Task.Delay(RetryAfter, time, wait.Token) : Task.Delay(Timeout.Infinite, wait.Token);
                await Task.WhenAny(changed, retry);
                await wait.CancelAsync();
                while (watch.Events.TryRead(out _))
                {
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>(image, digest, origin node) of every spec, current or previous, pinned from a manager's store.</summary>
    internal static List<(string Image, string Digest, string Origin)> Wanted(ClusterState state) =>
        state.ListServices()
            .SelectMany(s => new[] { s.Spec, s.PreviousSpec })
            .Select(spec => spec?.TaskTemplate?.Container)
            .Where(c => c is { ImageOriginNode.Length: > 0, ImageDigest.Length: > 0 })
            .Select(c => (c!.Image, c.ImageDigest, c.ImageOriginNode))
            .DistinctBy(w => w.ImageDigest)
            .ToList();

    /// <summary>The other managers' cluster addresses, the origin first.</summary>
    private List<string> Sources(string origin)
    {
        var managers = store.ReadLocal(s => s.ListNodes())
            .Where(n => n.ManagerStatus is { ApiAddr.Length: > 0 } && n.ManagerStatus.ApiAddr != ownAddress)
            .OrderBy(n => n.Id == origin ? 0 : 1)
            .Select(n => n.ManagerStatus.ApiAddr)
            .ToList();
        return managers;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "copied image {Image}@{Digest} from another manager into this node's store")]
    private partial void LogCopied(string image, string digest);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not copy image {Image}@{Digest} from the other managers yet: {Reason}")]
    private partial void LogCopyFailed(string image, string digest, string reason);
}
