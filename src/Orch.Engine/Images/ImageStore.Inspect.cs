using System.Text.Json;
using System.Text.Json.Nodes;
using Orch.Engine.Images.Oci;

namespace Orch.Engine.Images;

public sealed partial class ImageStore
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 4 };

    /// <summary>`orch image inspect`: Docker's image JSON (one object; the CLI wraps several in an array).</summary>
    public string InspectJson(string reference)
    {
        lock (gate)
        {
            var id = Resolve(reference);
            var image = index.Images[id];
            var config = ConfigOf(id);
            var c = config.Config ?? new OciContainerConfig();
            var obj = new JsonObject
            {
                ["Id"] = id,
                ["RepoTags"] = Array(TagsOf(id)),
                ["RepoDigests"] = Array(DigestsOf(id)),
                ["Parent"] = "",
                ["Comment"] = config.History?.LastOrDefault()?.Comment ?? "",
                ["Created"] = (config.Created ?? image.Created).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["Author"] = config.Author ?? "",
                ["Config"] = new JsonObject
                {
                    ["User"] = c.User ?? "",
                    ["ExposedPorts"] = c.ExposedPorts is null ? null : new JsonObject(c.ExposedPorts.Keys.Select(k => KeyValuePair.Create(k, (JsonNode?)new JsonObject()))),
                    ["Env"] = c.Env is null ? null : Array(c.Env),
                    ["Cmd"] = c.Cmd is null ? null : Array(c.Cmd),
                    ["Volumes"] = c.Volumes is null ? null : new JsonObject(c.Volumes.Keys.Select(k => KeyValuePair.Create(k, (JsonNode?)new JsonObject()))),
                    ["WorkingDir"] = c.WorkingDir ?? "",
                    ["Entrypoint"] = c.Entrypoint is null ? null : Array(c.Entrypoint),
                    ["Labels"] = c.Labels is null ? null : new JsonObject(c.Labels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                    ["StopSignal"] = c.StopSignal,
                },
                ["Architecture"] = config.Architecture,
                ["Os"] = config.Os,
                ["Size"] = image.Size,
                ["GraphDriver"] = new JsonObject
                {
                    ["Data"] = new JsonObject { ["LowerDir"] = string.Join(':', image.ChainIds.Reverse().Select(Layers.FsDir)) },
                    ["Name"] = "overlay",
                },
                ["RootFS"] = new JsonObject { ["Type"] = "layers", ["Layers"] = Array(image.DiffIds) },
                ["Metadata"] = new JsonObject { ["LastTagTime"] = image.LastTagTime?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "0001-01-01T00:00:00Z" },
                ["Manifest"] = new JsonObject { ["Digest"] = image.Manifest, ["MediaType"] = MediaTypes.Manifest },
            };
            if (c.StopSignal is null)
            {
                ((JsonObject)obj["Config"]!).Remove("StopSignal");
            }
            BuildFields((JsonObject)obj["Config"]!, c);
            return obj.ToJsonString(Indented);
        }
    }

    /// <summary>`orch image history`: the config's history, newest first, with the size of each layer.</summary>
    public IReadOnlyList<HistoryEntry> History(string reference)
    {
        lock (gate)
        {
            var id = Resolve(reference);
            var image = index.Images[id];
            var config = ConfigOf(id);
            var result = new List<HistoryEntry>();
            var layer = 0;
            foreach (var h in config.History ?? [])
            {
                var size = h.EmptyLayer == true || layer >= image.LayerSizes.Count ? 0 : image.LayerSizes[layer++];
                result.Add(new HistoryEntry(h.Created ?? image.Created, h.CreatedBy ?? "", size, h.Comment ?? ""));
            }
            result.Reverse();
            if (result.Count > 0)
            {
                result[0] = result[0] with { Id = id };
            }
            return result;
        }
    }

    private static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());
}

/// <summary>One row of `orch image history`; <see cref="Id"/> is set on the top row only ("&lt;missing&gt;" below), as Docker prints.</summary>
public sealed record HistoryEntry(DateTimeOffset Created, string CreatedBy, long Size, string Comment)
{
    public string? Id { get; init; }
}
