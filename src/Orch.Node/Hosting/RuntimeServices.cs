using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orch.Engine.Images;
using Orch.Engine.Runtime;
using Orch.Engine.Snapshots;

namespace Orch.Node.Hosting;

/// <summary>Wiring of the container runtime. The seams it consumes are registered by their owners.</summary>
internal static class RuntimeServices
{
    public static IServiceCollection AddContainerRuntime(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ContainerStore>();
        // rmi asks the runtime which container uses an image (replaces NoImageUsage).
        services.AddSingleton<IImageUsage, ContainerImageUsage>();
        services.AddSingleton<OverlaySnapshotter>();
        services.AddSingleton<ContainerRuntime>();
        return services;
    }

    /// <summary>orch-launch sits next to orchd, or in out/bin when orchd is published to out/lib/orchd.</summary>
    public static string FindLauncherDir()
    {
        var baseDir = AppContext.BaseDirectory;
        foreach (var candidate in new[] { baseDir, Path.GetFullPath(Path.Combine(baseDir, "../../bin")) })
        {
            if (File.Exists(Path.Combine(candidate, "orch-launch")))
            {
                return candidate;
            }
        }
        return baseDir;
    }
}
