using Orch.Engine.Images;

namespace Orch.Engine.Runtime;

/// <summary>Tells `orch rmi` which container (any state) uses an image, so it is not removed under it.</summary>
internal sealed class ContainerImageUsage(ContainerStore store) : IImageUsage
{
    public string? ContainerUsing(string imageId) => store.All().FirstOrDefault(c => c.ImageId == imageId)?.Id;
}
