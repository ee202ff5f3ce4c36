namespace Orch.Engine.Images.Layers;

/// <summary>A layer tarball entry that cannot be unpacked safely or faithfully; the message names the entry.</summary>
public sealed class LayerEntryException(string entry, string reason)
    : Exception($"layer entry \"{entry}\": {reason}")
{
    public string Entry => entry;
}
