using System.Text.Json;
using Orch.Api.V1.Objects;

namespace Orch.Node.Swarm;

/// <summary>
/// This node's swarm membership as it survives a restart (data-root/swarm/state.json): who it is,
/// where it listens and the managers it last heard of. Written whole (temp + fsync + rename).
/// </summary>
internal sealed record SwarmState
{
    public required string NodeId { get; init; }
    public required string ClusterId { get; init; }
    public required NodeRole Role { get; init; }
    /// <summary>Cluster port listen endpoint (managers), e.g. 0.0.0.0:2377.</summary>
    public string ListenAddr { get; init; } = "";
    /// <summary>The IP other nodes reach this one at.</summary>
    public string AdvertiseAddr { get; init; } = "";
    public IReadOnlyList<string> Managers { get; init; } = [];

    public static SwarmState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        return JsonSerializer.Deserialize(File.ReadAllText(path), SwarmStateJson.Default.SwarmState)
            ?? throw new InvalidDataException($"{path} is empty or not a swarm state");
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(f, this, SwarmStateJson.Default.SwarmState);
            f.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
