using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orch.Api.V1;
using Orch.Engine.Images;
using Orch.Engine.Runtime;
using Orch.Engine.Snapshots;

namespace Orch.Node.Api;

/// <summary>orch system df / system prune: every store's usage in one answer, every prune in Docker's order.</summary>
internal sealed partial class EngineApi
{
    private static T Service<T>(ServerCallContext ctx) where T : notnull =>
        ctx.GetHttpContext().RequestServices.GetRequiredService<T>();

    public override Task<SystemDfResponse> SystemDf(SystemDfRequest request, ServerCallContext context)
    {
        var runtime = Runtime(context);
        var snapshots = Service<OverlaySnapshotter>(context);
        var containers = runtime.Store.All();
        var byImage = containers.GroupBy(c => c.ImageId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var response = new SystemDfResponse();

        var imageUsage = images.DiskUsage(id => byImage.GetValueOrDefault(id));
        response.Images = new DiskUsageSummary
        {
            Total = imageUsage.Images.Count, Active = imageUsage.Active, Size = imageUsage.LayersSize, Reclaimable = imageUsage.Reclaimable,
        };

        var now = DateTimeOffset.UtcNow;
        var rw = containers.Select(c => (Container: c, Size: DirectoryUsage.Size(snapshots.UpperPath(c.Id)))).ToList();
        response.Containers = new DiskUsageSummary
        {
            Total = rw.Count,
            Active = rw.Count(x => x.Container.State.Running),
            Size = rw.Sum(x => x.Size),
            Reclaimable = rw.Where(x => !x.Container.State.Running).Sum(x => x.Size),
        };

        var links = containers.SelectMany(c => c.HostConfig.Mounts.Where(m => m.Type == "volume").Select(m => m.Name))
            .GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var vols = volumes.List().Select(v => (Volume: v, Size: DirectoryUsage.Size(v.Mountpoint), Links: links.GetValueOrDefault(v.Name))).ToList();
        response.Volumes = new DiskUsageSummary
        {
            Total = vols.Count,
            Active = vols.Count(v => v.Links > 0),
            Size = vols.Sum(v => v.Size),
            Reclaimable = vols.Where(v => v.Links == 0).Sum(v => v.Size),
        };

        var cache = Service<IBuildCache>(context).Usage();
        response.BuildCache = new DiskUsageSummary { Total = cache.Entries, Active = cache.Active, Size = cache.Size, Reclaimable = cache.Reclaimable };

        if (request.Verbose)
        {
            foreach (var i in imageUsage.Images)
            {
                var d = new Orch.Api.V1.ImageDiskUsage
                {
                    Id = i.Id, CreatedUnix = i.Created.ToUnixTimeSeconds(), Size = i.Size, SharedSize = i.SharedSize, Containers = i.Containers,
                };
                d.RepoTags.AddRange(i.RepoTags);
                response.ImageDetails.Add(d);
            }
            response.ContainerDetails.AddRange(rw.OrderByDescending(x => x.Container.Created).Select(x => new ContainerDiskUsage
            {
                Id = x.Container.Id,
                Name = x.Container.Name,
                Image = x.Container.Image,
                Command = string.Join(' ', x.Container.Config.Argv),
                LocalVolumes = x.Container.HostConfig.Mounts.Count(m => m.Type == "volume"),
                Size = x.Size,
                CreatedUnix = x.Container.Created.ToUnixTimeSeconds(),
                Status = ContainerInspector.Status(x.Container, now),
            }));
            response.VolumeDetails.AddRange(vols.Select(v => new VolumeDiskUsage { Name = v.Volume.Name, Links = v.Links, Size = v.Size }));
        }
        return Task.FromResult(response);
    }

    public override Task<SystemPruneResponse> SystemPrune(SystemPruneRequest request, ServerCallContext context) =>
        RuntimeCall.Run(async () =>
        {
            var ct = context.CancellationToken;
            var runtime = Runtime(context);
            var snapshots = Service<OverlaySnapshotter>(context);
            var response = new SystemPruneResponse();
            long reclaimed = 0;

            // Sizes first: a removed container's writable layer is gone afterwards.
            var stopped = runtime.Store.All().Where(c => !c.State.Running)
                .ToDictionary(c => c.Id, c => DirectoryUsage.Size(snapshots.UpperPath(c.Id)), StringComparer.Ordinal);
            foreach (var id in await runtime.PruneAsync(ct))
            {
                response.ContainersDeleted.Add(id);
                reclaimed += stopped.GetValueOrDefault(id);
            }
            // Networks: orch has only its default bridge, which prune never removes.
            if (request.Volumes)
            {
                foreach (var v in volumes.Prune(n => volumeInUse(n)))
                {
                    response.VolumesDeleted.Add(v.Name);
                    reclaimed += v.Size;
                }
            }
            try
            {
                var (lines, imageBytes) = images.Prune(request.All, imageUsage.ContainerUsing);
                response.ImagesDeleted.AddRange(lines);
                reclaimed += imageBytes;
            }
            catch (Exception e) when (ImageStatus(e) is { } status)
            {
                throw new RpcException(status);
            }
            var cache = await Service<IBuildCache>(context).PruneAsync(request.All, ct);
            response.BuildCacheDeleted.AddRange(cache.Deleted);
            reclaimed += cache.Reclaimed;
            response.SpaceReclaimed = reclaimed;
            return response;
        });
}
