using System.Collections.Concurrent;
using Orch.Engine.Images;

namespace Orch.Engine.Build;

/// <summary>
/// The builder runtime's view of images: only the states that RUN steps execute in, registered for the
/// duration of one step. A state is not an image in the store; this seam lets the runtime run it anyway.
/// </summary>
internal sealed class BuildImageSource : IImageStore
{
    private readonly ConcurrentDictionary<string, ImageRecord> states = new(StringComparer.Ordinal);

    public ImageRecord? Find(string reference) => states.GetValueOrDefault(reference);

    public void Add(string reference, ImageRecord record) => states[reference] = record;

    public void Remove(string reference) => states.TryRemove(reference, out _);
}
